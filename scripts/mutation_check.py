#!/usr/bin/env python3
"""Breaks the model code on purpose, one mutation at a time, and lists the tests that catch each.

Every mutation below must make at least one test of test_nn or test_models fail; one that no test
catches (or that no longer applies to the source, after a refactor) makes the script exit with 1.
Each source file is restored to its exact previous text afterwards, even on Ctrl-C, and the test
executables are rebuilt from the restored sources at the end.

    scripts/mutation_check.py [--build build] [ids...]   # e.g. scripts/mutation_check.py a h
"""
import argparse
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
TARGETS = ["test_nn", "test_models"]

# (id, file, what the mutation does, text replaced, replacement)
MUTATIONS = [
    ("a", "models/causal_lm.cpp", "CausalLM::loss without the next-token shift",
     "cross_entropy(logits, ids.narrow(1, 1, length)", "cross_entropy(logits, ids.narrow(1, 0, length)"),
    ("b", "nn/transformer_block.cpp", "post-LN block",
     "  Variable h = x + dropout_->forward(mixer->forward(norm1->forward(x), mask));\n"
     "  return h + dropout_->forward(ffn->forward(norm2->forward(h)));",
     "  Variable h = norm1->forward(x + dropout_->forward(mixer->forward(x, mask)));\n"
     "  return norm2->forward(h + dropout_->forward(ffn->forward(h)));"),
    ("c", "nn/transformer_block.cpp", "block drops the FFN residual",
     "return h + dropout_->forward(ffn", "return dropout_->forward(ffn"),
    ("d", "nn/transformer_block.cpp", "block drops the attention residual",
     "Variable h = x + dropout_->forward(", "Variable h = dropout_->forward("),
    ("e", "models/trunk.cpp", "trunk without its final LayerNorm",
     "return final_norm->forward(x);", "return x;"),
    ("f", "models/encoder_classifier.cpp", "classifier head on the last position",
     "select(hidden, 1, 0)", "select(hidden, 1, ids.size(1) - 1)"),
    ("g", "models/causal_lm.cpp", "tied head multiplies by E instead of E^T",
     "matmul(hidden, transpose(trunk->tokens->weight, 0, 1))", "matmul(hidden, trunk->tokens->weight)"),
    ("h", "nn/checkpoint.cpp", "load_state checks but copies nothing",
     "  for (const auto& [name, t] : own) copy_into(t, values.at(name));\n", "  (void)values;\n"),
    ("q", "models/checkpoint.cpp", "a model loads its config but not its tensors",
     "  nn::load_state(*model, content.tensors, path);\n", ""),
    ("i", "models/trunk.cpp", "positions not added",
     "Variable x = tokens->forward(ids) + positions->forward(ids.size(1));",
     "Variable x = tokens->forward(ids);"),
    ("j", "nn/feed_forward.cpp", "FeedForward without GELU",
     "dropout_->forward(gelu(up->forward(x)))", "dropout_->forward(up->forward(x))"),
    ("k", "nn/feed_forward.cpp", "FeedForward dropout after the second Linear (training mode only)",
     "return down->forward(dropout_->forward(gelu(up->forward(x))));",
     "return dropout_->forward(down->forward(gelu(up->forward(x))));"),
    ("l", "models/causal_lm.cpp", "generation window stuck on the first max_length tokens",
     "window(tokens.begin() + start, tokens.end())", "window(tokens.begin(), tokens.end() - start)"),
    ("m", "nn/layer_norm.cpp", "LayerNorm gamma and beta swapped",
     "layer_norm(x, weight, bias, eps_)", "layer_norm(x, bias, weight, eps_)"),
    ("n", "models/trunk.cpp", "segment embeddings not added",
     "    x = x + segment_embedding->forward(segments);\n", ""),
    ("o", "models/trunk.cpp", "no dropout on the embeddings (training mode only)",
     "  x = dropout_->forward(x);\n", ""),
    ("p", "models/causal_lm.cpp", "generate keeps dropout on (no eval())",
     "  eval();\n  Generator gen", "  Generator gen"),
    ("r", "nn/attention/attention.cpp", "padding mask ignored",
     "if (mask.padding.defined()) {", "if (false) {"),
    ("s", "nn/attention/attention.cpp", "causal mask ignored", "if (mask.causal) {", "if (false) {"),
    ("t", "core/random.cpp", "dropout without its 1/(1-p) scale",
     "const float scale = 1.0f / (1.0f - mask.p);", "const float scale = 1.0f;"),
]


def build(build_dir):
    result = subprocess.run(["cmake", "--build", build_dir, "-j2", "--target", *TARGETS], cwd=ROOT,
                            capture_output=True, text=True)
    return result.returncode == 0


def failing_tests(build_dir):
    failed = set()
    for target in TARGETS:
        run = subprocess.run([f"{build_dir}/tests/{target}"], cwd=ROOT, capture_output=True, text=True)
        failed |= {line.split("TEST CASE:", 1)[1].strip()
                   for line in run.stdout.splitlines() if "TEST CASE:" in line}
    return sorted(failed)


def check(mutation, build_dir):
    """Returns the failing tests, or None when the mutation does not apply or does not build."""
    key, path, what, old, new = mutation
    source = ROOT / path
    original = source.read_text()
    if original.count(old) != 1:
        print(f"{key}  {path}: {what}\n   DOES NOT APPLY: the text to replace is not there once")
        return None
    try:
        source.write_text(original.replace(old, new))
        if not build(build_dir):
            print(f"{key}  {path}: {what}\n   DOES NOT BUILD")
            return None
        failed = failing_tests(build_dir)
    finally:
        source.write_text(original)
    print(f"{key}  {path}: {what}")
    for name in failed:
        print(f"   caught by: {name}")
    if not failed:
        print("   NOT CAUGHT by any test")
    return failed


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build", default="build", help="the configured build folder")
    parser.add_argument("ids", nargs="*", help="mutation ids to run (default: all)")
    args = parser.parse_args()
    chosen = [m for m in MUTATIONS if not args.ids or m[0] in args.ids]
    survivors = [m[0] for m in chosen if not check(m, args.build)]
    build(args.build)  # the executables again from the restored sources
    if survivors:
        print(f"mutations not caught or not applied: {' '.join(survivors)}")
        return 1
    print(f"all {len(chosen)} mutations caught")
    return 0


if __name__ == "__main__":
    sys.exit(main())
