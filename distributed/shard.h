#pragma once
// Which part of a global batch (or of an evaluation set) each rank takes.
#include <cstdint>

namespace sg::distributed {

// Rows [begin, end) of a global batch: contiguous, in rank order, sizes differing by at most one,
// so that the ranks' rows laid end to end are the batch one process would take.
struct RowRange {
  int64_t begin = 0;
  int64_t end = 0;
  int64_t size() const { return end - begin; }
};

RowRange shard_rows(int64_t rows, int rank, int size);

// The factor that makes the mean over ranks of each rank's (weighted) mean loss the mean over the
// whole batch: this rank's share of the `total` items the loss averages over, times the ranks.
// 1 exactly when the items divide evenly.
// Items may be weighted (a loss averaged over class-weighted rows): then they are the weights.
float share_weight(double items, double total, int size);

}  // namespace sg::distributed
