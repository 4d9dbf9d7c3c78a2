#!/usr/bin/env python3
"""The PyTorch side of `sg_bench train`: the same models as synthgrad's (pre-LN Transformer blocks,
GELU FFN of 4x width, learned positions, dropout, AdamW with decay groups, the Synthesizer attention
variants built from ../shared/design/synthesizer.md) timed for one training step on a fixed random
batch. Prints one JSON line: median step seconds, parameter count, peak resident memory.

  python3 bench/torch_reference.py --config cls-small --variant R+V --threads 2 --steps 10
"""
import argparse
import json
import math
import os
import resource
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

CONFIGS = {  # kind, vocabulary, d, heads, layers, sequence, batch
    "cls-small": ("cls", 8192, 256, 4, 4, 64, 32),
    "lm-char": ("lm", 96, 256, 4, 4, 128, 32),
    "long": ("cls", 8192, 256, 4, 2, 512, 8),
    "long-2k": ("cls", 8192, 256, 4, 2, 2048, 2),
}


def parse_config(name):
    """'long-2k@512': a configuration at a shorter sequence length, as sg_bench names it."""
    base, _, length = name.partition("@")
    if base not in CONFIGS:
        raise SystemExit(f"unknown configuration {name!r}")
    kind, vocab, d, heads, layers, max_length, batch = CONFIGS[base]
    if length:
        if not length.isdigit() or not 1 <= int(length) <= max_length:
            raise SystemExit(f"configuration {name!r}: the length must be 1 to {max_length}")
        max_length = int(length)
    return kind, vocab, d, heads, layers, max_length, batch


def split_heads(x, heads):
    b, l, d = x.shape
    return x.view(b, l, heads, d // heads).transpose(1, 2)


class Logits(nn.Module):
    """One source of attention logits, [B, H, L, L] or [H, L, L]."""

    def __init__(self, kind, d, heads, max_len, rank=8):
        super().__init__()
        self.kind, self.heads = kind, heads
        dh = d // heads
        if kind == "V":
            self.query, self.key = nn.Linear(d, d), nn.Linear(d, d)
        elif kind == "D":
            self.hidden = nn.Linear(d, d)
            self.weight = nn.Parameter(torch.randn(heads, dh, max_len) * 0.02)
            self.bias = nn.Parameter(torch.zeros(heads, max_len))
        elif kind == "R":
            self.matrix = nn.Parameter(torch.randn(heads, max_len, max_len) * 0.02)
        elif kind == "Rfix":
            self.register_buffer("matrix", torch.randn(heads, max_len, max_len))
        elif kind == "FR":
            self.left = nn.Parameter(torch.randn(heads, max_len, rank) * 0.02)
            self.right = nn.Parameter(torch.randn(heads, max_len, rank) * 0.02)
        elif kind == "FD":
            a = int(math.sqrt(max_len))
            while max_len % a:
                a -= 1
            self.a, self.b = a, max_len // a
            self.hidden = nn.Linear(d, d)
            self.weight_a = nn.Parameter(torch.randn(heads, dh, self.a) * 0.02)
            self.bias_a = nn.Parameter(torch.zeros(heads, self.a))
            self.weight_b = nn.Parameter(torch.randn(heads, dh, self.b) * 0.02)
            self.bias_b = nn.Parameter(torch.zeros(heads, self.b))
        else:
            raise ValueError(f"unknown attention part {kind}")

    def forward(self, x):
        length = x.shape[1]
        if self.kind == "V":
            q, k = split_heads(self.query(x), self.heads), split_heads(self.key(x), self.heads)
            return q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])
        if self.kind == "D":
            h = split_heads(F.relu(self.hidden(x)), self.heads)
            return h @ self.weight[:, :, :length] + self.bias[:, None, :length]
        if self.kind in ("R", "Rfix"):
            return self.matrix[:, :length, :length]
        if self.kind == "FR":
            return self.left[:, :length] @ self.right[:, :length].transpose(1, 2)
        h = split_heads(F.relu(self.hidden(x)), self.heads)
        b1 = h @ self.weight_a + self.bias_a[:, None]
        b2 = h @ self.weight_b + self.bias_b[:, None]
        rows = (b1.unsqueeze(-2) * b2.unsqueeze(-1)).flatten(-2)
        return rows[..., :length]


class Attention(nn.Module):
    def __init__(self, variant, d, heads, max_len, dropout):
        super().__init__()
        self.sources = nn.ModuleList(Logits(k, d, heads, max_len) for k in variant.split("+"))
        self.mix = nn.Parameter(torch.zeros(len(self.sources))) if len(self.sources) > 1 else None
        self.value, self.output = nn.Linear(d, d), nn.Linear(d, d)
        self.heads, self.dropout = heads, nn.Dropout(dropout)

    def forward(self, x, causal_mask):
        if self.mix is None:
            s = self.sources[0](x)
        else:
            alpha = torch.softmax(self.mix, 0)
            s = sum(alpha[i] * src(x) for i, src in enumerate(self.sources))
        if causal_mask is not None:
            s = s + causal_mask
        p = torch.softmax(s, -1)
        # Input-blind logits (R, Rfix, FR) have no batch axis; as in synthgrad, each example draws
        # its own attention-dropout mask, so the probabilities are expanded before dropout.
        if self.training and self.dropout.p > 0 and p.dim() == 3:
            p = p.expand(x.shape[0], *p.shape)
        p = self.dropout(p)
        y = p @ split_heads(self.value(x), self.heads)
        b, h, l, dh = y.shape
        return self.output(y.transpose(1, 2).reshape(b, l, h * dh))


class Block(nn.Module):
    def __init__(self, variant, d, heads, max_len, dropout):
        super().__init__()
        self.norm1, self.norm2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.mixer = Attention(variant, d, heads, max_len, dropout)
        self.ffn = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Dropout(dropout), nn.Linear(4 * d, d))
        self.dropout = nn.Dropout(dropout)

    def forward(self, x, causal_mask):
        x = x + self.dropout(self.mixer(self.norm1(x), causal_mask))
        return x + self.dropout(self.ffn(self.norm2(x)))


class Model(nn.Module):
    def __init__(self, kind, vocab, d, heads, layers, max_len, variant, dropout=0.1):
        super().__init__()
        self.kind = kind
        self.tokens = nn.Embedding(vocab, d)
        self.positions = nn.Parameter(torch.randn(max_len, d) * 0.02)
        self.dropout = nn.Dropout(dropout)
        self.blocks = nn.ModuleList(Block(variant, d, heads, max_len, dropout) for _ in range(layers))
        self.final_norm = nn.LayerNorm(d)
        self.head = nn.Linear(d, 2) if kind == "cls" else None
        mask = torch.full((max_len, max_len), float("-inf")).triu(1)
        self.register_buffer("causal", mask if kind == "lm" else None)

    def forward(self, ids):
        length = ids.shape[1]
        x = self.dropout(self.tokens(ids) + self.positions[:length])
        mask = self.causal[:length, :length] if self.causal is not None else None
        for block in self.blocks:
            x = block(x, mask)
        x = self.final_norm(x)
        if self.kind == "cls":
            return self.head(x[:, 0])
        return x @ self.tokens.weight.t()  # tied output projection


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", required=True, help="a name of CONFIGS, optionally NAME@LENGTH")
    parser.add_argument("--variant", default="V")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    kind, vocab, d, heads, layers, length, batch = parse_config(args.config)
    model = Model(kind, vocab, d, heads, layers, length, args.variant)
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2 and not n.split(".")[-1].startswith("bias")]
    rest = [p for n, p in model.named_parameters() if not (p.dim() >= 2 and not n.split(".")[-1].startswith("bias"))]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": rest, "weight_decay": 0.0}], lr=1e-3)
    ids = torch.randint(0, vocab, (batch, length + (1 if kind == "lm" else 0)))
    labels = torch.randint(0, 2, (batch,))

    def step():
        if kind == "cls":
            loss = F.cross_entropy(model(ids), labels)
        else:
            logits = model(ids[:, :-1])
            loss = F.cross_entropy(logits.reshape(-1, vocab), ids[:, 1:].reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    times = []
    for i in range(args.warmup + args.steps):
        start = time.perf_counter()
        step()
        if i >= args.warmup:
            times.append(time.perf_counter() - start)
    model.eval()
    with torch.no_grad():  # inference latency: one sentence of `length` tokens
        one = ids[:1, :length]
        latencies = []
        for _ in range(20):
            start = time.perf_counter()
            model(one)
            latencies.append(time.perf_counter() - start)
    print(json.dumps({
        "side": "pytorch", "config": args.config, "variant": args.variant, "threads": args.threads,
        "openblas_threads": os.environ.get("OPENBLAS_NUM_THREADS", "unset"),
        "step_seconds": statistics.median(times), "parameters": sum(p.numel() for p in model.parameters()),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "inference_seconds": statistics.median(latencies), "torch": torch.__version__,
    }))


if __name__ == "__main__":
    main()
