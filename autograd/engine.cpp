#include "synthgrad/autograd/engine.h"

#include <unordered_map>
#include <unordered_set>

#include "synthgrad/autograd/anomaly.h"
#include "synthgrad/autograd/grad_mode.h"
#include "synthgrad/autograd/gradient_hook.h"
#include "synthgrad/core/creation.h"
#include "synthgrad/core/elementwise.h"

namespace sg {

namespace {

// Gradients waiting for their node to run: one slot per output of the node.
using PendingGrads = std::unordered_map<Node*, std::vector<Tensor>>;

// Adds `g` to the slot of `output`'s gradient: the first gradient is kept as is, later ones are
// summed out of place (gradient tensors may be shared between slots, so they are never written to).
void accumulate(PendingGrads& pending, const Variable& output, const Tensor& g) {
  Node* node = output.grad_fn().get();
  std::vector<Tensor>& slots = pending[node];
  slots.resize(node->output_shapes.size());
  Tensor& slot = slots[output.impl()->output_index];
  slot = slot.defined() ? add(slot, g) : g;
}

// A leaf's .grad is owned by the leaf: copied on arrival, then summed into in place.
void accumulate_leaf(VariableImpl& leaf, const Tensor& g) {
  if (leaf.grad.defined())
    add_inplace(leaf.grad, g);
  else
    leaf.grad = g.clone();
}

Tensor initial_gradient(const Variable& root, const Tensor& grad_output) {
  if (!grad_output.defined()) {
    SG_CHECK(root.numel() == 1,
             "backward: output of shape {} is not a scalar; pass a gradient of that shape",
             shape_str(root.shape()));
    return ones(root.shape());
  }
  SG_CHECK(grad_output.shape() == root.shape() && grad_output.dtype() == DType::f32,
           "backward: gradient of shape {} for an output of shape {}",
           shape_str(grad_output.shape()), shape_str(root.shape()));
  return grad_output;
}

void check_returned_grads(const Node& node, const Grads& grads, const std::vector<bool>& needs) {
  SG_CHECK(grads.size() == node.inputs.size(),
           "backward of op '{}' returned {} gradients for {} inputs", node.op, grads.size(),
           node.inputs.size());
  for (size_t i = 0; i < grads.size(); ++i)
    SG_CHECK(!needs[i] || !grads[i].defined() || grads[i].shape() == node.inputs[i].shape(),
             "backward of op '{}' returned a gradient of shape {} for input {} of shape {}",
             node.op, shape_str(grads[i].shape()), i, shape_str(node.inputs[i].shape()));
}

// Runs one node's backward rule, when a gradient reached it, and passes the results on.
void backward_node(Node* node, PendingGrads& pending, bool retain_graph) {
  auto it = pending.find(node);
  if (it == pending.end()) return;
  const std::vector<Tensor> g = std::move(it->second);
  pending.erase(it);
  SG_CHECK(!node->released(),
           "backward: the graph behind op '{}' was freed by an earlier backward(); pass "
           "retain_graph=true to the first backward() to run backward twice",
           node->op);
  std::vector<bool> needs;
  for (const Variable& input : node->inputs) needs.push_back(input.requires_grad());
  const Grads grads = node->backward(g, needs);
  check_returned_grads(*node, grads, needs);
  if (!retain_graph) node->backward = nullptr;
  for (size_t i = 0; i < grads.size(); ++i) {
    if (!needs[i] || !grads[i].defined()) continue;
    if (anomaly_enabled()) check_finite(grads[i], "backward", node->op, node->created_at);
    const Variable& input = node->inputs[i];
    if (input.is_leaf())
      accumulate_leaf(*input.impl(), grads[i]);
    else
      accumulate(pending, input, grads[i]);
  }
}

// For each position in `order`, the leaves (requiring a gradient) whose last consumer it is:
// once that node has run, or been skipped, nothing else adds to their gradient. Walking the order
// backwards, a leaf's first sighting is its last consumer.
std::vector<std::vector<Variable>> leaves_final_after(const std::vector<Node*>& order) {
  std::vector<std::vector<Variable>> finals(order.size());
  std::unordered_set<VariableImpl*> seen;
  for (size_t i = order.size(); i-- > 0;)
    for (const Variable& input : order[i]->inputs)
      if (input.defined() && input.is_leaf() && input.requires_grad() &&
          seen.insert(input.impl()).second)
        finals[i].push_back(input);
  return finals;
}

// Tells the hook about the leaves final after position i that received a gradient.
void report_final_leaves(const GradientReadyHook& hook, const std::vector<Variable>& leaves) {
  for (const Variable& leaf : leaves)
    if (leaf.grad().defined()) hook(leaf);
}

}  // namespace

std::vector<Node*> topological_order(Node* root) {
  // Iterative depth-first post-order, so that long chains cannot overflow the call stack.
  std::vector<Node*> post_order;
  std::unordered_set<Node*> visited{root};
  std::vector<std::pair<Node*, size_t>> stack{{root, 0}};
  while (!stack.empty()) {
    auto& [node, next_input] = stack.back();
    if (next_input == node->inputs.size()) {
      post_order.push_back(node);
      stack.pop_back();
      continue;
    }
    const Variable& input = node->inputs[next_input++];
    Node* child = input.defined() ? input.grad_fn().get() : nullptr;
    if (child != nullptr && visited.insert(child).second) stack.emplace_back(child, 0);
  }
  return {post_order.rbegin(), post_order.rend()};
}

void run_backward(const Variable& root, const Tensor& grad_output, bool retain_graph) {
  SG_CHECK(root.defined(), "backward: called on an undefined Variable");
  SG_CHECK(root.requires_grad(),
           "backward: the output does not require a gradient (no input requires one, or it was "
           "computed under NoGradGuard)");
  const Tensor seed = initial_gradient(root, grad_output);
  const GradientReadyHook& hook = gradient_ready_hook();
  if (root.is_leaf()) {
    accumulate_leaf(*root.impl(), seed);
    if (hook) hook(root);
    return;
  }

  NoGradGuard no_grad;  // backward rules compute with plain tensors; nothing is recorded
  PendingGrads pending;
  accumulate(pending, root, seed);
  const std::vector<Node*> order = topological_order(root.grad_fn().get());
  const std::vector<std::vector<Variable>> finals =
      hook ? leaves_final_after(order) : std::vector<std::vector<Variable>>{};
  for (size_t position = 0; position < order.size(); ++position) {
    backward_node(order[position], pending, retain_graph);
    if (hook) report_final_leaves(hook, finals[position]);
  }
}

}  // namespace sg
