#!/usr/bin/env python3
"""Writes a real/fake sentence task (train.tsv, dev.tsv) from plain text, for `glue train --task NAME`.

Usage: scripts/acceptability_corpus.py OUT_DIR EXAMPLES SEED TEXT...   (files or folders of .txt files)

Half of the examples are sentences of the text as written (label 1), half are sentences with one
local corruption (label 0): two neighbouring words swapped, a word dropped, a frequent word
inserted or substituted, a word moved, or a pronoun, article or auxiliary changed for its partner
(is/are, he/him, a/an). Telling them apart needs word order and agreement, what CoLA asks of a
model, from text alone (Warstadt et al. 2019 pre-train CoLA's baseline on a real/fake task).
Only sentences of 4 to 25 words that start with a capital and end in . ! or ? are used.
"""
import pathlib
import random
import re
import sys

PARTNERS = [("is", "are"), ("was", "were"), ("has", "have"), ("does", "do"), ("a", "an"),
            ("he", "him"), ("she", "her"), ("they", "them"), ("we", "us"), ("i", "me"),
            ("this", "these"), ("that", "those"), ("who", "which"), ("to", "for"),
            ("in", "on"), ("of", "by")]
PARTNER = {a: b for a, b in PARTNERS} | {b: a for a, b in PARTNERS}
TOKEN = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?|[.,;:!?]")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


def text_files(paths):
    for path in map(pathlib.Path, paths):
        if path.is_dir():
            yield from sorted(path.glob("*.txt"))
        elif path.is_file():
            yield path
        else:
            sys.exit(f"acceptability_corpus: {path}: no such file or folder")


def sentences(path):
    """Sentences of a file whose paragraphs are separated by blank lines (lines may be wrapped)."""
    text = path.read_text(encoding="utf-8-sig", errors="replace").replace('"', " ")
    for paragraph in re.split(r"\n\s*\n", text):
        for sentence in SENTENCE_END.split(" ".join(paragraph.split())):
            tokens = TOKEN.findall(sentence)
            words = sum(t[0].isalpha() for t in tokens)
            if (4 <= words <= 25 and tokens[-1] in ".!?" and tokens[0][0].isupper()
                    and len("".join(tokens)) >= len(sentence.replace(" ", "")) - 2):
                yield tokens


def detokenize(tokens):
    return re.sub(r" ([.,;:!?])", r"\1", " ".join(tokens))


def corrupt(tokens, random_word, rng):
    """One corruption of tokens, or None when the one drawn does not apply to this sentence."""
    words = [i for i, t in enumerate(tokens) if t[0].isalpha()]
    out = list(tokens)
    kind = rng.randrange(6)
    if kind == 0:  # neighbours swapped
        pairs = [i for i in words if i + 1 in words and tokens[i].lower() != tokens[i + 1].lower()]
        if not pairs:
            return None
        i = rng.choice(pairs)
        out[i], out[i + 1] = out[i + 1], out[i]
    elif kind == 1:  # a word dropped
        del out[rng.choice(words)]
    elif kind == 2:  # a word inserted
        out.insert(rng.choice(words + [words[-1] + 1]), random_word())
    elif kind == 3:  # a word substituted
        i = rng.choice(words)
        out[i] = random_word()
        if out[i].lower() == tokens[i].lower():
            return None
    elif kind == 4:  # a word moved at least two places
        i, j = rng.sample(words, 2)
        if abs(i - j) < 2:
            return None
        out.insert(j, out.pop(i))
    else:  # a word changed for its grammatical partner
        swappable = [i for i in words if tokens[i].lower() in PARTNER]
        if not swappable:
            return None
        i = rng.choice(swappable)
        out[i] = PARTNER[tokens[i].lower()]
    if out[0][0].isalpha():
        out[0] = out[0][0].upper() + out[0][1:]
    return out


def main():
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    try:
        out_dir, examples, seed = pathlib.Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    except ValueError:
        sys.exit(f"acceptability_corpus: EXAMPLES and SEED must be integers\n{__doc__}")
    if examples < 20:
        sys.exit(f"acceptability_corpus: EXAMPLES {examples}: at least 20 (a tenth is the dev split)")
    rng = random.Random(seed)
    pool = [s for f in text_files(sys.argv[4:]) for s in sentences(f)]
    if len(pool) < examples:
        sys.exit(f"acceptability_corpus: {len(pool)} sentences found, {examples} asked for")
    rng.shuffle(pool)
    pool = pool[:examples]
    vocabulary = [t.lower() for s in pool for t in s if t[0].isalpha()]

    def random_word():  # drawn by frequency, so mostly the function words errors involve
        return rng.choice(vocabulary)

    rows = []
    for number, tokens in enumerate(pool):
        fake = None
        while number % 2 and fake is None:  # every other sentence; dropping a word always applies
            fake = corrupt(tokens, random_word, rng)
        rows.append((detokenize(fake or tokens), "0" if fake else "1"))
    dev_size = min(5000, len(rows) // 10)
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, part in (("dev.tsv", rows[:dev_size]), ("train.tsv", rows[dev_size:])):
        with open(out_dir / name, "w", encoding="utf-8") as f:
            f.write("sentence\tlabel\n")
            f.writelines(f"{s}\t{label}\n" for s, label in part)
    print(f"{len(rows) - dev_size} train / {dev_size} dev examples from {len(pool)} sentences "
          f"in {out_dir}")


if __name__ == "__main__":
    main()
