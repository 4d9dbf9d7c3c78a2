#include "synthgrad/autograd/indexing.h"

#include "synthgrad/autograd/record.h"
#include "synthgrad/core/creation.h"
#include "synthgrad/core/indexing.h"
#include "synthgrad/core/reduce.h"

namespace sg {

// The backward of a gather is a scatter-add: rows used twice receive both gradients.
Variable embedding(const Variable& weight, const Tensor& ids) {
  return record("embedding", {weight}, embedding(weight.data(), ids),
                [ids, shape = weight.shape()](const Tensor& g, const auto&) {
                  Tensor dw = zeros(shape);
                  index_add_rows_inplace(dw, ids, g);
                  return Grads{dw};
                });
}

Variable masked_fill(const Variable& x, const Tensor& mask, float value) {
  return record("masked_fill", {x}, masked_fill(x.data(), mask, value),
                [mask, shape = x.shape()](const Tensor& g, const auto&) {
                  return Grads{sum_to(masked_fill(g, mask, 0.0f), shape)};
                });
}

}  // namespace sg
