#pragma once
#include "synthgrad/autograd/variable.h"

namespace sg {

Variable exp(const Variable& x);
Variable log(const Variable& x);
Variable sqrt(const Variable& x);
Variable tanh(const Variable& x);
Variable sigmoid(const Variable& x);
Variable softplus(const Variable& x);  // log(1 + exp(x)), stable for any x
Variable relu(const Variable& x);
Variable gelu(const Variable& x);

}  // namespace sg
