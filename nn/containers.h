#pragma once
#include <memory>
#include <vector>

#include "synthgrad/core/error.h"
#include "synthgrad/nn/module.h"

namespace sg::nn {

// Applies its modules in order; they are named "0", "1", ...
class Sequential : public UnaryModule {
 public:
  Sequential() = default;
  explicit Sequential(std::vector<std::shared_ptr<UnaryModule>> modules);
  void push_back(std::shared_ptr<UnaryModule> module);
  Variable forward(const Variable& x) override;
  size_t size() const { return modules_.size(); }
  std::string type_name() const override { return "Sequential"; }

 private:
  std::vector<std::shared_ptr<UnaryModule>> modules_;
};

// Holds modules of one kind under the names "0", "1", ...; the owner decides how to call them.
template <class M>
class ModuleList : public Module {
 public:
  void push_back(std::shared_ptr<M> module) {
    modules_.push_back(register_module(std::to_string(modules_.size()), std::move(module)));
  }
  M& operator[](size_t i) const {
    SG_CHECK(i < modules_.size(), "ModuleList: index {} is outside its {} modules", i,
             modules_.size());
    return *modules_[i];
  }
  size_t size() const { return modules_.size(); }
  auto begin() const { return modules_.begin(); }
  auto end() const { return modules_.end(); }
  std::string type_name() const override { return "ModuleList"; }

 private:
  std::vector<std::shared_ptr<M>> modules_;
};

}  // namespace sg::nn
