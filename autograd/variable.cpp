#include "synthgrad/autograd/variable.h"

#include "synthgrad/autograd/anomaly.h"
#include "synthgrad/autograd/engine.h"
#include "synthgrad/autograd/grad_mode.h"
#include "synthgrad/autograd/record.h"

namespace sg {

Variable::Variable(Tensor data, bool requires_grad) : impl_(std::make_shared<VariableImpl>()) {
  SG_CHECK(data.defined(), "Variable: cannot wrap an undefined tensor");
  SG_CHECK(!requires_grad || data.dtype() == DType::f32,
           "Variable: only f32 tensors can require gradients, got {}", dtype_name(data.dtype()));
  impl_->data = std::move(data);
  impl_->requires_grad = requires_grad;
}

const Tensor& Variable::data() const {
  SG_CHECK(defined(), "Variable: use of an undefined Variable");
  return impl_->data;
}

bool Variable::requires_grad() const {
  return defined() && impl_->requires_grad;
}

void Variable::set_requires_grad(bool requires_grad) {
  SG_CHECK(defined(), "set_requires_grad: use of an undefined Variable");
  SG_CHECK(is_leaf(), "set_requires_grad: '{}' is the output of op '{}'; only leaves can change",
           name(), impl_->grad_fn->op);
  SG_CHECK(!requires_grad || data().dtype() == DType::f32,
           "set_requires_grad: only f32 tensors can require gradients, got {}",
           dtype_name(data().dtype()));
  impl_->requires_grad = requires_grad;
}

bool Variable::is_leaf() const {
  return defined() && impl_->grad_fn == nullptr;
}

const std::shared_ptr<Node>& Variable::grad_fn() const {
  SG_CHECK(defined(), "Variable: use of an undefined Variable");
  return impl_->grad_fn;
}

const Tensor& Variable::grad() const {
  SG_CHECK(defined(), "Variable: use of an undefined Variable");
  return impl_->grad;
}

void Variable::set_grad(Tensor grad) {
  SG_CHECK(defined(), "set_grad: use of an undefined Variable");
  SG_CHECK(!grad.defined() || (grad.shape() == shape() && grad.dtype() == data().dtype()),
           "set_grad: gradient {} for a variable {}", describe(grad), describe(data()));
  // Backward adds into the gradient in place: an expanded view gets a copy of its own.
  impl_->grad = grad.defined() && repeats_elements(grad) ? grad.clone() : std::move(grad);
}

void Variable::zero_grad() {
  SG_CHECK(defined(), "zero_grad: use of an undefined Variable");
  impl_->grad = Tensor();
}

void Variable::backward(const Tensor& grad_output, bool retain_graph) const {
  run_backward(*this, grad_output, retain_graph);
}

Variable Variable::detach() const {
  return Variable(data());
}

void Variable::set_data(Tensor data) {
  SG_CHECK(defined(), "set_data: use of an undefined Variable");
  SG_CHECK(is_leaf(), "set_data: only a leaf's data can be replaced");
  SG_CHECK(data.defined() && data.shape() == shape() && data.dtype() == this->data().dtype(),
           "set_data: new data {} for a variable of {}", describe(data), describe(this->data()));
  impl_->data = std::move(data);
}

const std::string& Variable::name() const {
  SG_CHECK(defined(), "Variable: use of an undefined Variable");
  return impl_->name;
}

Variable& Variable::set_name(std::string name) {
  SG_CHECK(defined(), "set_name: use of an undefined Variable");
  impl_->name = std::move(name);
  return *this;
}

Node::~Node() {
  std::vector<std::shared_ptr<Node>> orphans;
  // Takes over the nodes that only `edges` keep alive, so that they die here, one at a time. Each
  // edge is dropped as soon as it is looked at: a node of several outputs that two edges reach is
  // then adopted at the second, not destroyed (recursively) when the vector is cleared.
  auto adopt = [&orphans](std::vector<Variable>& edges) {
    for (Variable& input : edges) {
      if (input.defined() && input.sole_owner() && input.impl()->grad_fn.use_count() == 1)
        orphans.push_back(std::move(input.impl()->grad_fn));
      input = Variable();
    }
    edges.clear();
  };
  adopt(inputs);
  while (!orphans.empty()) {
    std::shared_ptr<Node> node = std::move(orphans.back());
    orphans.pop_back();
    adopt(node->inputs);
  }
}

bool any_requires_grad(const std::vector<Variable>& inputs) {
  if (!grad_enabled()) return false;
  for (const Variable& v : inputs)
    if (v.requires_grad()) return true;
  return false;
}

std::vector<Variable> record_outputs(std::string_view op, std::vector<Variable> inputs,
                                     std::vector<Tensor> outputs, MultiBackwardFn backward) {
  const bool anomaly = anomaly_enabled();
  const std::string created_at = anomaly ? capture_call_stack() : std::string();
  std::vector<Variable> results;
  for (Tensor& output : outputs) {
    if (anomaly) check_finite(output, "forward", std::string(op), created_at);
    results.emplace_back(std::move(output));
  }
  if (!any_requires_grad(inputs)) return results;
  auto node = std::make_shared<Node>();
  node->op = op;
  node->inputs = std::move(inputs);
  node->backward = std::move(backward);
  node->created_at = created_at;
  for (size_t i = 0; i < results.size(); ++i) {
    node->output_shapes.push_back(results[i].shape());
    results[i].impl_->grad_fn = node;
    results[i].impl_->output_index = i;
    results[i].impl_->requires_grad = true;
  }
  return results;
}

Variable record(std::string_view op, std::vector<Variable> inputs, Tensor output,
                BackwardFn backward) {
  // Nothing to record (inference, constants) and nothing to check: no node, so none of the
  // vectors and the wrapped rule that record_outputs would build for one.
  if (!anomaly_enabled() && !any_requires_grad(inputs)) return Variable(std::move(output));
  auto single = [backward = std::move(backward)](const std::vector<Tensor>& grads,
                                                 const std::vector<bool>& needs) {
    return backward(grads[0], needs);
  };
  return record_outputs(op, std::move(inputs), {std::move(output)}, std::move(single))[0];
}

}  // namespace sg
