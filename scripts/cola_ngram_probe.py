#!/usr/bin/env python3
"""How much of CoLA a word trigram model's probabilities tell, with no training on CoLA's labels
beyond one threshold: an estimate of what local word order alone gives acceptability.

  scripts/glue_sentences.py ../shared/data/glue runs/glue-no-cola.txt SST-2 MRPC STS-B RTE
  /usr/bin/python3 scripts/cola_ngram_probe.py ../shared/data/glue/CoLA \\
      ../shared/data/lm/gutenberg-books runs/glue-no-cola.txt

The model: lower-cased words and punctuation, interpolated absolute discounting (0.75) down to a
continuation unigram (Kneser-Ney's lower order), one pass of counting. Each sentence gets three
scores (Lau, Clark and Lappin 2017): its mean log-probability per token, its SLOR (the same minus
the unigram log-probability, which discounts rare words) and its lowest token SLOR (the one worst
transition). A threshold on each is chosen on CoLA's training split and applied to dev; the script
prints both MCCs. Keep CoLA's own sentences out of the corpus, or train scores are inflated.
Memory: about 4 GB for 30 million words.
"""
import collections
import csv
import math
import pathlib
import re
import sys

TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[^\sa-z0-9]")
DISCOUNT = 0.75


def tokens(line):
    return TOKEN.findall(line.lower())


def corpus_files(paths):
    for path in map(pathlib.Path, paths):
        yield from sorted(path.glob("*.txt")) if path.is_dir() else [path]


class Trigram:
    def __init__(self, files):
        self.c1, self.c2, self.c3 = collections.Counter(), collections.Counter(), collections.Counter()
        for path in files:
            with open(path, encoding="utf-8", errors="replace") as f:
                for line in f:
                    t = ["<s>", "<s>"] + tokens(line) + ["</s>"]
                    if len(t) > 3:
                        self.c1.update(t[2:])
                        self.c2.update(zip(t[1:], t[2:]))
                        self.c3.update(zip(t, t[1:], t[2:]))
        # per history: its count and how many different words follow it
        self.h2, self.n2 = collections.Counter(), collections.Counter()
        for (u, _), c in self.c2.items():
            self.h2[u] += c
            self.n2[u] += 1
        self.h3, self.n3 = collections.Counter(), collections.Counter()
        for (u, v, _), c in self.c3.items():
            self.h3[(u, v)] += c
            self.n3[(u, v)] += 1
        self.continuations = collections.Counter(v for (_, v) in self.c2)
        self.total = sum(self.c1.values())
        self.vocabulary = len(self.c1) + 1

    def continuation(self, w):
        return (self.continuations[w] + 0.5) / (len(self.c2) + 0.5 * self.vocabulary)

    def unigram(self, w):
        return (self.c1[w] + 0.5) / (self.total + 0.5 * self.vocabulary)

    def bigram(self, v, w):
        seen = self.h2[v]
        if seen == 0:
            return self.continuation(w)
        return (max(self.c2[(v, w)] - DISCOUNT, 0) + DISCOUNT * self.n2[v] * self.continuation(w)) / seen

    def trigram(self, u, v, w):
        seen = self.h3[(u, v)]
        if seen == 0:
            return self.bigram(v, w)
        return (max(self.c3[(u, v, w)] - DISCOUNT, 0) + DISCOUNT * self.n3[(u, v)] * self.bigram(v, w)) / seen

    def scores(self, sentence):
        t = ["<s>", "<s>"] + tokens(sentence) + ["</s>"]
        model = [math.log(self.trigram(t[i - 2], t[i - 1], t[i])) for i in range(2, len(t))]
        slor = [m - math.log(self.unigram(t[i + 2])) for i, m in enumerate(model)]
        return sum(model) / len(model), sum(slor) / len(slor), min(slor)


def read_cola(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        return [(int(row[1]), row[3]) for row in csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)]


def mcc(labels, predicted):
    pairs = list(zip(labels, predicted))
    tp = sum(1 for y, p in pairs if y and p)
    tn = sum(1 for y, p in pairs if not y and not p)
    fp = sum(1 for y, p in pairs if not y and p)
    fn = sum(1 for y, p in pairs if y and not p)
    denominator = math.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
    return (tp * tn - fp * fn) / denominator if denominator else 0.0


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    cola = pathlib.Path(sys.argv[1])
    model = Trigram(corpus_files(sys.argv[2:]))
    print(f"trigram model: {model.total} tokens, {len(model.c3)} distinct trigrams", file=sys.stderr)
    train, dev = read_cola(cola / "train.tsv"), read_cola(cola / "dev.tsv")
    train_scores = [model.scores(s) for _, s in train]
    dev_scores = [model.scores(s) for _, s in dev]
    train_labels, dev_labels = [y for y, _ in train], [y for y, _ in dev]
    for k, name in enumerate(["mean log-probability", "SLOR", "lowest token SLOR"]):
        values = sorted(set(s[k] for s in train_scores))
        candidates = values[:: max(1, len(values) // 400)]
        threshold = max(candidates, key=lambda th: mcc(train_labels, [s[k] > th for s in train_scores]))
        print(f"{name}: threshold {threshold:.3f}, "
              f"train MCC {mcc(train_labels, [s[k] > threshold for s in train_scores]):.3f}, "
              f"dev MCC {mcc(dev_labels, [s[k] > threshold for s in dev_scores]):.3f}")


if __name__ == "__main__":
    main()
