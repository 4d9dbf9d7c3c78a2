#pragma once
// BERT's masked-language-model corruption of token ids (Devlin et al. 2019, section 3.1): some
// positions are selected for prediction; of those, most show [MASK], some a random token and the
// rest their own token, and the labels hold the original ids there.
#include <cstdint>

#include "synthgrad/core/cross_entropy.h"
#include "synthgrad/core/random.h"
#include "synthgrad/core/tensor.h"

namespace sg::data {

// The label of every position that is not predicted: cross_entropy skips it.
inline constexpr int64_t kIgnoreLabel = CrossEntropyOptions{}.ignore_index;

struct MaskingOptions {
  double select = 0.15;  // of the non-special positions of each sequence
  double mask = 0.8;     // of the selected: shown as [MASK]
  double random =
      0.1;  // of the selected: shown as a random non-special token; the rest keep theirs
};

struct MaskedTokens {
  Tensor ids;     // i64 [B, L], the model's input
  Tensor labels;  // i64 [B, L], the original id where selected, kIgnoreLabel elsewhere
};

// ids i64 [B, L]. Each row selects max(1, round(select * n)) of its n non-special positions (none
// when n = 0), uniformly at random; special tokens are never selected. Position p of the batch uses
// the generator's draws first + 2p and first + 2p + 1 (first from one reserve call), so the result
// is a function of the generator's state alone, on any thread count.
MaskedTokens mask_tokens(const Tensor& ids, int64_t vocab_size, Generator& gen,
                         const MaskingOptions& options = {});

}  // namespace sg::data
