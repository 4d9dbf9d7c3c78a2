#include "synthgrad/distributed/shard.h"

#include "synthgrad/core/error.h"

namespace sg::distributed {

RowRange shard_rows(int64_t rows, int rank, int size) {
  SG_CHECK(size > 0 && rank >= 0 && rank < size && rows >= 0,
           "shard_rows: rank {} of {} ranks, {} rows", rank, size, rows);
  // floor(rows * r / size) without forming rows * r, which overflows for rows near int64's limit.
  const int64_t whole = rows / size, rest = rows % size;
  const auto boundary = [&](int64_t r) { return whole * r + rest * r / size; };
  return {boundary(rank), boundary(rank + 1)};
}

float share_weight(double items, double total, int size) {
  SG_CHECK(total > 0 && items >= 0 && items <= total && size > 0,
           "share_weight: {} of {} items over {} ranks", items, total, size);
  return static_cast<float>(items * size / total);
}

}  // namespace sg::distributed
