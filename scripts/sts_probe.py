#!/usr/bin/env python3
"""How much of STS-B a pre-trained trunk's word vectors already hold, before any fine-tuning.

Usage: /usr/bin/python3 scripts/sts_probe.py RUN/best.safetensors STS-B/dev.tsv
Prints the Pearson and Spearman correlation of the gold scores with the cosine of the two
sentences' mean token-embedding vectors (the word tokenizer's words: lower-cased, ASCII
punctuation apart, unknown words skipped), plain and, when the checkpoint holds
trunk.token_weights (pretrain --token-weights), weighted by them. Needs numpy only.
"""
import csv
import json
import pathlib
import re
import struct
import sys

import numpy as np

WORD = re.compile(r"[!-/:-@\[-`{-~]|[^\s!-/:-@\[-`{-~]+")


def tensors(path):
    raw = pathlib.Path(path).read_bytes()
    size = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + size])
    def tensor(name):
        begin, end = header[name]["data_offsets"]
        return np.frombuffer(raw[8 + size + begin:8 + size + end], np.float32).reshape(header[name]["shape"])
    return {name: tensor(name) for name in header if name != "__metadata__"}


def pairs(tsv):
    with open(tsv, encoding="utf-8-sig", newline="") as f:
        rows = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        head = next(rows, [])
        missing = [c for c in ("sentence1", "sentence2", "score") if c not in head]
        if missing:
            sys.exit(f"sts_probe: {tsv}: no column {missing[0]!r} in the header (an STS-B file?)")
        a, b, score = head.index("sentence1"), head.index("sentence2"), head.index("score")
        return [(row[a], row[b], float(row[score])) for row in rows]


def average_ranks(values):
    """Ranks from 0, tied values sharing the mean of their ranks (STS-B's scores have many ties)."""
    order = np.argsort(values, kind="stable")
    ranks = np.empty(len(values))
    ranks[order] = np.arange(len(values))
    _, group, counts = np.unique(values, return_inverse=True, return_counts=True)
    return (np.bincount(group, weights=ranks) / counts)[group]


def correlations(x, y):
    return np.corrcoef(x, y)[0, 1], np.corrcoef(average_ranks(x), average_ranks(y))[0, 1]


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    checkpoint, tsv = sys.argv[1:3]
    for path in (checkpoint, tsv):
        if not pathlib.Path(path).is_file():
            sys.exit(f"sts_probe: no file {path}")
    found = tensors(checkpoint)
    if "trunk.tokens.weight" not in found:
        sys.exit(f"sts_probe: {checkpoint} has no trunk.tokens.weight (a synthgrad model file?)")
    vectors = found["trunk.tokens.weight"]
    vocabulary = json.loads(pathlib.Path(checkpoint).with_suffix(".tokenizer").read_text(
        encoding="utf-8", errors="replace"))
    if vocabulary.get("kind") != "word":
        sys.exit(f"sts_probe: {checkpoint}'s tokenizer is not a word tokenizer (pretrain --tokenizer word)")
    tokens = vocabulary["tokens"]
    index = {token: i for i, token in enumerate(tokens)}
    data = pairs(tsv)
    gold = np.array([score for _, _, score in data])
    weightings = {"plain mean": np.ones(len(tokens), np.float32)}
    if "trunk.token_weights" in found:
        weightings["token weights"] = found["trunk.token_weights"]
    for name, weights in weightings.items():
        def mean(sentence):
            ids = [index[w] for w in WORD.findall(sentence.lower()) if w in index]
            if not ids:
                return np.zeros(vectors.shape[1])
            return (vectors[ids] * weights[ids, None]).sum(0) / weights[ids].sum()
        u = np.array([mean(s) for s, _, _ in data])
        v = np.array([mean(s) for _, s, _ in data])
        cosine = (u * v).sum(1) / (np.linalg.norm(u, axis=1) * np.linalg.norm(v, axis=1) + 1e-9)
        pearson, spearman = correlations(cosine, gold)
        print(f"{name}: Pearson {pearson:.3f}  Spearman {spearman:.3f}")


if __name__ == "__main__":
    main()
