#include "synthgrad/distributed/shard.h"

#include "synthgrad/core/error.h"

namespace sg::distributed {

RowRange shard_rows(int64_t rows, int rank, int size) {
  SG_CHECK(size > 0 && rank >= 0 && rank < size && rows >= 0,
           "shard_rows: rank {} of {} ranks, {} rows", rank, size, rows);
  const auto boundary = [&](int64_t r) { return rows * r / size; };
  return {boundary(rank), boundary(rank + 1)};
}

float share_weight(int64_t items, int64_t total, int size) {
  SG_CHECK(total > 0 && items >= 0 && items <= total, "share_weight: {} of {} items", items, total);
  return static_cast<float>(static_cast<double>(items) * size / static_cast<double>(total));
}

}  // namespace sg::distributed
