#pragma once
// Variable: a tensor that remembers how it was computed. Ops on Variables run their core kernel
// and, when any input requires a gradient, record a Node holding the backward rule. backward()
// walks these Nodes in reverse topological order (define-by-run, as in PyTorch).
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "synthgrad/core/tensor.h"

namespace sg {

struct Node;
struct VariableImpl;

// Gradients for a node's inputs, in input order; an undefined tensor means "no gradient".
using Grads = std::vector<Tensor>;
// needs[i] says whether input i wants a gradient, so rules can skip work nobody uses.
using BackwardFn = std::function<Grads(const Tensor& grad_output, const std::vector<bool>& needs)>;
// The rule of an op with several outputs (a fused kernel that yields two tensors): one gradient per
// output, undefined for an output no gradient reached.
using MultiBackwardFn =
    std::function<Grads(const std::vector<Tensor>& grad_outputs, const std::vector<bool>& needs)>;

class Variable {
 public:
  Variable() = default;
  // A leaf. Implicit, so that plain tensors mix with Variables as constants: `x * mask`.
  Variable(Tensor data, bool requires_grad = false);  // NOLINT(google-explicit-constructor)

  bool defined() const { return impl_ != nullptr; }
  const Tensor& data() const;
  const Shape& shape() const { return data().shape(); }
  int64_t dim() const { return data().dim(); }
  int64_t size(int64_t axis) const { return data().size(axis); }
  int64_t numel() const { return data().numel(); }
  template <class T>
  T item() const {
    return data().item<T>();
  }

  bool requires_grad() const;
  void set_requires_grad(bool requires_grad);  // leaves only
  bool is_leaf() const;
  const std::shared_ptr<Node>& grad_fn() const;

  // Accumulated gradient of a leaf after backward(); undefined until one flows, and after
  // zero_grad.
  const Tensor& grad() const;
  void set_grad(Tensor grad);
  void zero_grad();

  // Backpropagates from this Variable. A non-scalar output needs an explicit gradient of its shape.
  // Without retain_graph the saved tensors are freed and a second backward through them throws.
  void backward(const Tensor& grad_output = {}, bool retain_graph = false) const;

  // The same data cut from the graph: no gradient flows through the result.
  Variable detach() const;

  // Replaces the data of a leaf in place of an optimizer step or a checkpoint load.
  void set_data(Tensor data);

  // An optional label, shown by to_dot and in error messages.
  const std::string& name() const;
  Variable& set_name(std::string name);

  VariableImpl* impl() const { return impl_.get(); }
  // True when no other Variable shares this one's data and graph (see ~Node).
  bool sole_owner() const { return impl_.use_count() == 1; }

 private:
  friend std::vector<Variable> record_outputs(std::string_view, std::vector<Variable>,
                                              std::vector<Tensor>, MultiBackwardFn);
  std::shared_ptr<VariableImpl> impl_;
};

struct VariableImpl {
  Tensor data;
  Tensor grad;
  bool requires_grad = false;
  std::shared_ptr<Node> grad_fn;  // null for leaves
  size_t output_index = 0;        // which of grad_fn's outputs this is
  std::string name;
};

// One recorded op: its inputs and the rule that turns the output's gradient into theirs.
struct Node {
  std::string op;
  std::vector<Variable> inputs;
  MultiBackwardFn backward;  // empty once released by a backward pass without retain_graph
  std::vector<Shape> output_shapes;
  std::string created_at;  // a call stack, recorded only in anomaly mode

  // Frees the graph behind this node iteratively: the default, recursive destruction of a long
  // chain of nodes would exhaust the call stack.
  ~Node();

  bool released() const { return !backward; }
};

}  // namespace sg
