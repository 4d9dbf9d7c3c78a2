#!/usr/bin/env python3
"""Where a training step's time goes, by kind of work: samples `sg_bench train --one CONFIG:VARIANT`
with Linux perf (call stacks on) and sorts each sample by the function it landed in, and for GEMM by
whether fused attention called it. Prints the share of each kind and its milliseconds per step.

  /usr/bin/python3 bench/profile_step.py lm-char:V
  /usr/bin/python3 bench/profile_step.py --threads 1 --steps 30 long:R

The samples cover the whole process: the timed steps and their two warm-up steps (most of it), the
model's construction, and the 20 batch-1 inference calls `--one` also times (a few percent).
Needs `perf` (Debian package linux-perf) and /proc/sys/kernel/perf_event_paranoid <= 2.
"""
import argparse
import collections
import json
import os
import re
import subprocess
import sys
import tempfile

# First match wins; a sample is classified by its innermost frame.
KINDS = [
    # The kernel's helpers, in case a compiler keeps them out of line (today: transpose_8x8).
    ("GEMM", r"gemm_kernel|gemm_transposed|transpose_8x8|micro_kernel|pack_panel|store_transposed|edge_tile|multiply_packed|sgemm|cblas_|_kernel_(?:n|t)_|sgemm_(?:on|it|in|ot)copy"),
    ("fused attention: logits, softmax, masks",
     r"fused_attention|exp_row|block_logits|update_row|row_max|row_sum|multiply_row|attention_softmax"),
    ("GELU (with the FFN's dropout)", r"gelu"),
    ("dropout masks", r"dropout|apply_mask_to_pairs"),
    ("LayerNorm", r"layer_norm"),
    ("softmax, cross-entropy", r"softmax|cross_entropy"),
    ("optimizer", r"optim::"),
    ("reductions (bias gradients, ...)", r"reduce|lane_sum|sum_of"),
    ("embedding, indexing", r"embedding|index_select|gather|scatter|indexing"),
    ("element-wise", r"map_binary|map_unary|apply_inplace|elementwise|add_inplace|axpy"),
    ("copies and fills", r"mem(?:set|move|cpy)|contiguous|copy|fill"),
    ("thread pool", r"tbb::|sched_yield"),
    ("memory allocation", r"malloc|free|_int_|Allocator|allocate"),
]


def classify(frames):
    leaf = frames[0] if frames else "?"
    if leaf.startswith("[k]"):
        return "operating system: page faults, scheduling"
    for name, pattern in KINDS:
        if re.search(pattern, leaf):
            if name == "GEMM":
                return "GEMM in fused attention" if any("fused_attention" in f for f in frames) else "GEMM, other products"
            return name
    return "other"


def samples(perf_data):
    """Each sample's stack (innermost first) from `perf script`."""
    out = subprocess.run(["perf", "script", "-i", perf_data, "-F", "ip,sym"], capture_output=True, text=True, check=True).stdout
    stack = []
    for line in out.splitlines():
        line = line.strip()
        if not line:
            if stack:
                yield stack
            stack = []
            continue
        address, _, symbol = line.partition(" ")  # "ffffffff8161ec71 get_page_from_freelist"
        stack.append(("[k] " if address.startswith("ffffffff") else "") + symbol)
    if stack:
        yield stack


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("run", help="CONFIG:VARIANT, as sg_bench train --one takes it")
    parser.add_argument("--bench", default=os.path.join(os.path.dirname(__file__), "..", "build", "bench", "sg_bench"))
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--show-other", type=int, default=0, metavar="N", help="list the N commonest functions filed under 'other'")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        data = os.path.join(folder, "perf.data")
        # DWARF unwinding: the library is built without frame pointers, and GEMM's caller (fused
        # attention or not) is the point of the split.
        command = ["perf", "record", "--call-graph", "dwarf,16384", "-F", "500", "-o", data, "--", args.bench, "train", "--one", args.run,
                   "--steps", str(args.steps), "--threads", str(args.threads)]
        run = subprocess.run(command, capture_output=True, text=True)
        if run.returncode != 0:
            sys.exit(f"profile_step: {' '.join(command)} failed ({run.returncode}):\n{run.stderr}")
        lines = [l for l in run.stdout.splitlines() if l.startswith("{")]
        if not lines:
            sys.exit(f"profile_step: {' '.join(command)} printed no result line:\n{run.stdout}{run.stderr}")
        result = json.loads(lines[-1])
        counts, other = collections.Counter(), collections.Counter()
        for stack in samples(data):
            kind = classify(stack)
            counts[kind] += 1
            if kind == "other":
                other[stack[0] if stack else "?"] += 1
    total = sum(counts.values())
    step_ms = result["step_seconds"] * 1e3
    print(f"{args.run}, {args.threads} threads: {step_ms:.1f} ms per step (median of {args.steps}), {total} samples")
    print(f"  {'kind':<42} {'share':>7} {'ms/step':>8}")
    for kind, n in counts.most_common():
        print(f"  {kind:<42} {100 * n / total:6.1f}% {step_ms * n / total:8.1f}")
    for symbol, n in other.most_common(args.show_other):
        print(f"  other: {100 * n / total:5.2f}% {symbol[:150]}")


if __name__ == "__main__":
    main()
