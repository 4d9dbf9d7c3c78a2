#include "synthgrad/nn/linear.h"

#include "synthgrad/autograd/matmul.h"
#include "synthgrad/autograd/shape_ops.h"
#include "synthgrad/core/creation.h"

namespace sg::nn {

Linear::Linear(int64_t in, int64_t out, Generator& gen, bool has_bias, Init init) {
  SG_CHECK(in > 0 && out > 0, "Linear: sizes must be positive, got in={} out={}", in, out);
  weight = register_parameter("weight", init_weight({out, in}, init, gen));
  if (has_bias) bias = register_parameter("bias", zeros({out}));
}

Variable Linear::forward(const Variable& x) {
  SG_CHECK(x.data().dtype() == DType::f32, "Linear: input of dtype {} (shape {}), expected f32",
           dtype_name(x.data().dtype()), shape_str(x.shape()));
  SG_CHECK(x.dim() >= 1 && x.size(-1) == weight.size(1),
           "Linear: input of shape {} does not end in in_features={}", shape_str(x.shape()),
           weight.size(1));
  // matmul wants rank >= 2: a single vector goes through as a batch of one.
  if (x.dim() == 1) return squeeze(forward(unsqueeze(x, 0)), 0);
  // The bias rides on the GEMM (core/matmul.h) rather than costing another pass over y.
  return matmul(x, transpose(weight, 0, 1), 1.0f, bias);
}

std::string Linear::settings() const {
  return fmt::format("in={}, out={}, bias={}", weight.size(1), weight.size(0), bias.defined());
}

}  // namespace sg::nn
