#pragma once
#include <vector>

#include "synthgrad/core/core.h"

namespace sg::testing {

// Token ids uniform in [0, vocab), i64, in `shape`.
inline Tensor random_ids(const Shape& shape, int64_t vocab, Generator& gen) {
  std::vector<int64_t> ids(numel_of(shape));
  for (auto& id : ids) id = static_cast<int64_t>(gen.uniform() * static_cast<float>(vocab));
  return from_vector(ids, shape);
}

}  // namespace sg::testing
