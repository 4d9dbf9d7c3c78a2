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
prints both MCCs. Then ten such features together (those three, the second-worst token SLOR, the
sentence's log-probability and log length, its shares of unseen trigrams and bigrams, its worst
token log-probability and its mean unigram log-probability) go into a logistic regression fitted on
CoLA's training labels (L2 1e-3, features standardised), its threshold chosen on the training split
as well. Keep CoLA's own sentences out of the corpus, or train scores are inflated.
Memory: about 4 GB for 30 million words.
"""
import collections
import csv
import math
import pathlib
import re
import sys

import numpy as np

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
        """Mean log-probability, SLOR, lowest token SLOR, then the logistic regression's others."""
        t = ["<s>", "<s>"] + tokens(sentence) + ["</s>"]
        model = [math.log(self.trigram(t[i - 2], t[i - 1], t[i])) for i in range(2, len(t))]
        unigram = [math.log(self.unigram(w)) for w in t[2:]]
        slor = sorted(m - u for m, u in zip(model, unigram))
        n = len(model)
        unseen3 = sum(self.c3[(t[i - 2], t[i - 1], t[i])] == 0 for i in range(2, len(t)))
        unseen2 = sum(self.c2[(t[i - 1], t[i])] == 0 for i in range(2, len(t)))
        return (sum(model) / n, sum(slor) / n, slor[0], slor[min(1, n - 1)], sum(model),
                math.log(n), unseen3 / n, unseen2 / n, min(model), sum(unigram) / n)


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


def fit_logistic(x, y, l2=1e-3, iterations=50):
    """Weights (bias last) of an L2-penalised logistic regression, by Newton's method."""
    x = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros(x.shape[1])
    penalty = l2 * len(x) * np.diag([1.0] * (x.shape[1] - 1) + [0.0])
    for _ in range(iterations):
        p = 1 / (1 + np.exp(-x @ w))
        gradient = x.T @ (p - y) + penalty @ w
        hessian = x.T @ (x * (p * (1 - p))[:, None]) + penalty
        w -= np.linalg.solve(hessian, gradient)
    return w


def best_threshold(labels, values):
    candidates = sorted(set(values))[:: max(1, len(set(values)) // 400)]
    return max(candidates, key=lambda th: mcc(labels, [v > th for v in values]))


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
        threshold = best_threshold(train_labels, [s[k] for s in train_scores])
        print(f"{name}: threshold {threshold:.3f}, "
              f"train MCC {mcc(train_labels, [s[k] > threshold for s in train_scores]):.3f}, "
              f"dev MCC {mcc(dev_labels, [s[k] > threshold for s in dev_scores]):.3f}")
    x_train, x_dev = np.array(train_scores), np.array(dev_scores)
    mean, deviation = x_train.mean(axis=0), x_train.std(axis=0) + 1e-9
    x_train, x_dev = (x_train - mean) / deviation, (x_dev - mean) / deviation
    w = fit_logistic(x_train, np.array(train_labels, dtype=float))
    train_logits, dev_logits = x_train @ w[:-1] + w[-1], x_dev @ w[:-1] + w[-1]
    threshold = best_threshold(train_labels, list(train_logits))
    print(f"logistic regression on ten features: train MCC "
          f"{mcc(train_labels, list(train_logits > threshold)):.3f}, "
          f"dev MCC {mcc(dev_labels, list(dev_logits > threshold)):.3f}")


if __name__ == "__main__":
    main()
