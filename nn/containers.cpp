#include "synthgrad/nn/containers.h"

namespace sg::nn {

Sequential::Sequential(std::vector<std::shared_ptr<UnaryModule>> modules) {
  for (auto& m : modules) push_back(std::move(m));
}

void Sequential::push_back(std::shared_ptr<UnaryModule> module) {
  modules_.push_back(register_module(std::to_string(modules_.size()), std::move(module)));
}

Variable Sequential::forward(const Variable& x) {
  Variable y = x;
  for (auto& m : modules_) y = m->forward(y);
  return y;
}

}  // namespace sg::nn
