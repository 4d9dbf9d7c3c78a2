#include "synthgrad/nn/attention/heads.h"

#include "synthgrad/autograd/shape_ops.h"

namespace sg::nn {

Variable split_heads(const Variable& x, int64_t heads) {
  SG_CHECK(x.dim() == 3 && heads > 0 && x.size(2) % heads == 0,
           "split_heads: shape {} does not split into {} heads", shape_str(x.shape()), heads);
  return transpose(reshape(x, {x.size(0), x.size(1), heads, x.size(2) / heads}), 1, 2);
}

Variable merge_heads(const Variable& x) {
  SG_CHECK(x.dim() == 4, "merge_heads: expected [B, H, L, dh], got {}", shape_str(x.shape()));
  return reshape(transpose(x, 1, 2), {x.size(0), x.size(2), x.size(1) * x.size(3)});
}

Variable first_positions(const Variable& x, int64_t n) {
  return n == x.size(1) ? x : narrow(x, 1, 0, n);
}

}  // namespace sg::nn
