#pragma once
#include "synthgrad/autograd/variable.h"

namespace sg {

// The backward pass behind Variable::backward (see docs/autograd.md).
void run_backward(const Variable& root, const Tensor& grad_output, bool retain_graph);

// Nodes reachable from `root`, each after every node that consumes its output.
std::vector<Node*> topological_order(Node* root);

}  // namespace sg
