#include "synthgrad/autograd/dot.h"

#include <unordered_map>

#include "synthgrad/autograd/engine.h"

namespace sg {

namespace {

struct DotWriter {
  std::string out = "digraph autograd {\n  rankdir=LR;\n  node [fontname=\"monospace\"];\n";
  std::unordered_map<const void*, std::string> ids;

  // Returns the DOT id of a node or leaf, declaring it on first sight.
  std::string id(const void* key, const std::string& label, const char* style) {
    auto [it, fresh] = ids.emplace(key, fmt::format("n{}", ids.size()));
    if (fresh) out += fmt::format("  {} [label=\"{}\", {}];\n", it->second, label, style);
    return it->second;
  }

  std::string leaf(const Variable& v) {
    const std::string label =
        fmt::format("{}{}{}", v.name().empty() ? "" : v.name() + "\\n", shape_str(v.shape()),
                    v.requires_grad() ? "" : "\\n(constant)");
    return id(v.impl(), label, "shape=ellipse");
  }

  std::string op(const Node* node) {
    std::string shapes;
    for (const Shape& shape : node->output_shapes) shapes += "\\n" + shape_str(shape);
    return id(node, node->op + shapes, "shape=box, style=rounded");
  }
};

}  // namespace

std::string to_dot(const Variable& output) {
  SG_CHECK(output.defined(), "to_dot: undefined Variable");
  DotWriter w;
  if (output.is_leaf()) {
    w.leaf(output);
    return w.out + "}\n";
  }
  for (Node* node : topological_order(output.grad_fn().get())) {
    const std::string target = w.op(node);
    for (const Variable& input : node->inputs) {
      if (!input.defined()) continue;
      const std::string source = input.is_leaf() ? w.leaf(input) : w.op(input.grad_fn().get());
      // Which output of an op with several an edge carries.
      const bool several = !input.is_leaf() && input.grad_fn()->output_shapes.size() > 1;
      const std::string label =
          several ? fmt::format(" [label=\"output {}\"]", input.impl()->output_index) : "";
      w.out += fmt::format("  {} -> {}{};\n", source, target, label);
    }
  }
  return w.out + "}\n";
}

}  // namespace sg
