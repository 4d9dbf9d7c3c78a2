#include "synthgrad/nn/activation.h"

#include "synthgrad/autograd/activations.h"

namespace sg::nn {

Variable GELU::forward(const Variable& x) {
  return gelu(x);
}
Variable ReLU::forward(const Variable& x) {
  return relu(x);
}

}  // namespace sg::nn
