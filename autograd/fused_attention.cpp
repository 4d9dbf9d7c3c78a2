#include "synthgrad/autograd/fused_attention.h"

#include "synthgrad/autograd/record.h"
#include "synthgrad/core/fused_attention.h"

namespace sg {

Variable fused_attention(const Variable& query, const Variable& key, const Variable& value,
                         const Variable& logits, const FusedAttentionOptions& options) {
  FusedAttentionInputs in{data_or_none(query),  data_or_none(key), value.data(),
                          data_or_none(logits), options.padding,   options.causal,
                          options.heads,        options.scale,     {}};
  SG_CHECK(options.dropout >= 0.0f && options.dropout < 1.0f,
           "fused_attention: dropout {} is outside [0, 1)", options.dropout);
  check_fused_attention_inputs(in);  // before the mask's draws, so a refused call draws none
  if (options.dropout > 0.0f) {
    SG_CHECK(options.generator != nullptr, "fused_attention: dropout {} needs a generator",
             options.dropout);
    const int64_t length = value.size(1);
    in.dropout = reserve_dropout_mask(
        *options.generator, value.size(0) * options.heads * length * length, options.dropout);
  }
  FusedAttentionOutput out = fused_attention(in);
  Tensor y = out.out;
  return record("fused_attention", {query, key, value, logits}, y,
                [in, out = std::move(out)](const Tensor& g, const auto& needs) {
                  const FusedAttentionNeeds which{
                      .query_key = needs[0] || needs[1], .value = needs[2], .logits = needs[3]};
                  FusedAttentionGrads d = fused_attention_backward(in, out, g, which);
                  return Grads{d.query, d.key, d.value, d.logits};
                });
}

}  // namespace sg
