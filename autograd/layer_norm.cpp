#include "synthgrad/autograd/layer_norm.h"

#include <optional>

#include "synthgrad/autograd/dropout.h"
#include "synthgrad/autograd/record.h"
#include "synthgrad/core/normalization.h"

namespace sg {

Variable layer_norm(const Variable& x, const Variable& gamma, const Variable& beta, float eps) {
  const Tensor g = data_or_none(gamma);
  LayerNormOutput out = layer_norm(x.data(), g, data_or_none(beta), eps);
  return record(
      "layer_norm", {x, gamma, beta}, out.y,
      [x = x.data(), g, mean = out.mean, rstd = out.rstd](const Tensor& grad, const auto&) {
        LayerNormGrads d = layer_norm_backward(grad, x, g, mean, rstd);
        return Grads{d.dx, d.dgamma, d.dbeta};
      });
}

AddLayerNorm add_dropout_layer_norm(const Variable& residual, const Variable& branch,
                                    const Variable& gamma, const Variable& beta, float p,
                                    bool training, Generator* gen, float eps) {
  const bool drop = drops("add_dropout_layer_norm", p, training, gen);
  SG_CHECK(residual.shape() == branch.shape(),
           "add_dropout_layer_norm: residual {} and branch {} differ in shape",
           shape_str(residual.shape()), shape_str(branch.shape()));
  SG_CHECK(residual.data().dtype() == DType::f32 && branch.data().dtype() == DType::f32,
           "add_dropout_layer_norm: residual and branch must be f32, got {} and {}",
           describe(residual.data()), describe(branch.data()));
  const Tensor g = data_or_none(gamma);
  // Checked before the mask is drawn, so that a refused call leaves the generator alone.
  check_layer_norm_inputs("add_dropout_layer_norm", residual.shape(), g, data_or_none(beta));
  const std::optional<DropoutMask> mask =
      drop ? std::optional(reserve_dropout_mask(*gen, branch.numel(), p)) : std::nullopt;
  AddLayerNormOutput out = add_layer_norm(residual.data(), branch.data(), mask ? &*mask : nullptr,
                                          g, data_or_none(beta), eps);
  std::vector<Variable> outputs = record_outputs(
      "add_dropout_layer_norm", {residual, branch, gamma, beta}, {out.sum, out.norm.y},
      [sum = out.sum, g, mean = out.norm.mean, rstd = out.norm.rstd, mask](
          const std::vector<Tensor>& grads, const auto&) {
        const DropoutMask* m = mask ? &*mask : nullptr;
        if (!grads[1].defined())  // only the sum was used: the residual add's own backward
          return Grads{grads[0], m ? apply_dropout_mask(grads[0], *m) : grads[0], {}, {}};
        AddLayerNormGrads d = add_layer_norm_backward(grads[0], grads[1], sum, g, mean, rstd, m);
        return Grads{d.dresidual, d.dbranch, d.dgamma, d.dbeta};
      });
  return {outputs[0], outputs[1]};
}

}  // namespace sg
