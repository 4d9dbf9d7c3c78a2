#!/usr/bin/env python3
"""Writes the sentences of GLUE tasks' train.tsv files, one per line, as a pre-training corpus.

Usage: scripts/glue_sentences.py GLUE_ROOT OUT.txt [TASK...]   (default: every task found)
Only the training splits are read, without labels: the dev sets that fine-tuning reports stay unseen.
GLUE's files are not quoted (bare quotes are text); MRPC's begin with a byte-order mark.
"""
import csv
import pathlib
import sys

# Columns holding text, by header name; CoLA has no header and its sentence is the fourth column.
TEXT_COLUMNS = {
    "CoLA": [3], "SST-2": ["sentence"], "MRPC": ["#1 String", "#2 String"],
    "STS-B": ["sentence1", "sentence2"], "RTE": ["sentence1", "sentence2"],
    "WNLI": ["sentence1", "sentence2"], "QNLI": ["question", "sentence"],
    "QQP": ["question1", "question2"], "MNLI": ["sentence1", "sentence2"],
}


def sentences(path, columns):
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        if isinstance(columns[0], str):
            header = next(rows)
            missing = [c for c in columns if c not in header]
            if missing:
                sys.exit(f"{path}: no column {missing[0]!r} in the header {header}")
            columns = [header.index(c) for c in columns]
        for number, row in enumerate(rows, start=2):
            for c in columns:
                if c >= len(row):
                    sys.exit(f"{path} line {number}: {len(row)} columns, expected at least {c + 1}")
                if row[c].strip():
                    yield row[c].strip()


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    root, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    tasks = sys.argv[3:] or [t for t in TEXT_COLUMNS if (root / t / "train.tsv").exists()]
    if not tasks:  # an empty corpus would fail only later, in pretrain
        sys.exit(f"glue_sentences: no <TASK>/train.tsv under {root} (is it the GLUE folder?)")
    for task in tasks:
        if task not in TEXT_COLUMNS:
            sys.exit(f"glue_sentences: unknown task {task!r} (known: {', '.join(TEXT_COLUMNS)})")
        if not (root / task / "train.tsv").is_file():
            sys.exit(f"glue_sentences: no {root / task / 'train.tsv'}")
    with open(out, "w", encoding="utf-8") as f:
        for task in tasks:
            count = 0
            for sentence in sentences(root / task / "train.tsv", TEXT_COLUMNS[task]):
                f.write(sentence + "\n")
                count += 1
            print(f"{task}: {count} sentences", file=sys.stderr)


if __name__ == "__main__":
    main()
