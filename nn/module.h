#pragma once
// Module: the base of every layer and model. A module registers its parameters (trainable
// Variables), buffers (saved tensors that are not trained) and submodules by name, so that the
// whole tree can be listed, switched between training and evaluation, printed and saved.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "synthgrad/autograd/variable.h"

namespace sg::nn {

using NamedVariables = std::vector<std::pair<std::string, Variable>>;
using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

class Module {
 public:
  virtual ~Module() = default;
  Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  // Hierarchical names, e.g. "blocks.0.attn.value.weight", in registration order.
  NamedVariables named_parameters() const;
  std::vector<Variable> parameters() const;
  NamedTensors named_buffers() const;
  int64_t parameter_count() const;

  // Switches this module and every submodule (dropout is active only in training).
  void train(bool training = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }

  void zero_grad();

  // The tree with each module's settings, its own tensors' shapes and its parameter count.
  std::string to_string() const;
  virtual std::string type_name() const = 0;
  virtual std::string settings() const { return ""; }  // e.g. "in=256, out=1024, bias=true"

  // Replaces a buffer's values (checkpoint loading): shape and dtype must match.
  void set_buffer(const std::string& name, const Tensor& value);

 protected:
  Variable register_parameter(std::string name, Tensor value);
  Tensor register_buffer(std::string name, Tensor value);
  template <class M>
  std::shared_ptr<M> register_module(std::string name, std::shared_ptr<M> module) {
    add_submodule(std::move(name), module);
    return module;
  }
  const Tensor& buffer(const std::string& name) const;

 private:
  void add_submodule(std::string name, std::shared_ptr<Module> module);
  void collect_parameters(const std::string& prefix, NamedVariables& out) const;
  void collect_buffers(const std::string& prefix, NamedTensors& out) const;
  void print(const std::string& name, int depth, std::string& out) const;

  NamedVariables parameters_;
  NamedTensors buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  bool training_ = true;
};

// A module with one input and one output: what Sequential chains.
class UnaryModule : public Module {
 public:
  virtual Variable forward(const Variable& x) = 0;
};

}  // namespace sg::nn
