#pragma once
// Tensors laid end to end as one flat range of elements, which one parallel loop splits across
// threads: how the optimizers' update and the gradient clip touch every parameter in one pass
// instead of one per tensor.
#include <algorithm>
#include <cstdint>
#include <vector>

namespace sg::optim::detail {

// Tensor k owns [starts[k], starts[k + 1]) of the flat range (starts begins at 0). Calls
// piece(k, begin, end) for each tensor's part [begin, end) of its own elements that the flat range
// [flat_begin, flat_end) covers, skipping empty tensors.
template <class Piece>
void for_each_piece(const std::vector<int64_t>& starts, int64_t flat_begin, int64_t flat_end,
                    const Piece& piece) {
  // The last tensor starting at or before flat_begin.
  auto k = static_cast<size_t>(std::upper_bound(starts.begin(), starts.end(), flat_begin) -
                               starts.begin() - 1);
  for (; flat_begin < flat_end; ++k) {
    const int64_t stop = std::min(flat_end, starts[k + 1]);
    if (stop > flat_begin) piece(k, flat_begin - starts[k], stop - starts[k]);
    flat_begin = stop;
  }
}

}  // namespace sg::optim::detail
