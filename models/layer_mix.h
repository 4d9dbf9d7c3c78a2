#pragma once
// ELMo's scalar mix (Peters et al. 2018): a fine-tuned head that reads a learnt blend of the
// trunk's layers rather than its last one. A pre-trained trunk's layers know different things:
// the embedding layer the words' similarity (what STS-B and RTE's word matching turn on), the
// blocks what their pre-training objective taught them (a causal LM's word order). With a mix,
// each task weighs them for itself.
#include <vector>

#include "synthgrad/autograd/variable.h"

namespace sg::models {

// scale * sum_j softmax(weight_logits)_j * states[j], over states of one shape (the
// embedding layer's and each block's normalized hidden states [B, L, D]); weight_logits [J] for J
// states, scale [1]. Zero logits weigh the layers equally.
Variable scalar_mix(const std::vector<Variable>& states, const Variable& weight_logits,
                    const Variable& scale);

}  // namespace sg::models
