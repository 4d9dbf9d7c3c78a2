#include "synthgrad/models/layer_mix.h"

#include "synthgrad/autograd/arithmetic.h"
#include "synthgrad/autograd/matmul.h"
#include "synthgrad/autograd/shape_ops.h"
#include "synthgrad/autograd/softmax.h"
#include "synthgrad/core/error.h"
#include "synthgrad/core/format.h"

namespace sg::models {

Variable scalar_mix(const std::vector<Variable>& states, const Variable& weight_logits,
                    const Variable& scale) {
  const auto count = static_cast<int64_t>(states.size());
  SG_CHECK(count > 0, "scalar_mix: no layer states to mix");
  SG_CHECK(weight_logits.shape() == Shape({count}) && scale.shape() == Shape({1}),
           "scalar_mix: {} states need weight logits [{}] and a scale [1], got {} and {}", count,
           count, shape_str(weight_logits.shape()), shape_str(scale.shape()));
  const Shape& shape = states.front().shape();
  std::vector<Variable> rows;
  for (const Variable& state : states) {
    SG_CHECK(state.shape() == shape, "scalar_mix: layer states {} and {} differ in shape",
             shape_str(shape), shape_str(state.shape()));
    rows.push_back(reshape(state, {1, state.numel()}));
  }
  // The blend as one product: weights [1, J] @ states [J, N].
  const Variable weights = softmax(reshape(weight_logits, {1, count}), 1);
  return mul(reshape(matmul(weights, concat(rows, 0)), shape), scale);
}

}  // namespace sg::models
