#include <algorithm>

#include "synthgrad/core/creation.h"
#include "synthgrad/core/error.h"
#include "synthgrad/data/batching.h"

namespace sg::data {

Batch collate(const EncodedDataset& data, std::span<const int64_t> indices) {
  SG_CHECK(!indices.empty(), "collate: no examples");
  int64_t length = 0;
  for (int64_t index : indices) {
    SG_CHECK(index >= 0 && index < data.size(), "collate: index {} outside [0, {})", index,
             data.size());
    length = std::max(length, data.examples[static_cast<size_t>(index)].tokens.length());
  }
  const auto rows = static_cast<int64_t>(indices.size());
  const auto cells = static_cast<size_t>(rows * length);
  std::vector<int64_t> ids(cells, special_id(Special::pad)), segments(cells, 0);
  std::vector<uint8_t> padding(cells, 1);
  std::vector<int64_t> labels;
  std::vector<float> scores;
  const bool labelled = data.examples[static_cast<size_t>(indices[0])].has_label;

  for (size_t row = 0; row < indices.size(); ++row) {
    const EncodedExample& example = data.examples[static_cast<size_t>(indices[row])];
    const size_t start = row * static_cast<size_t>(length);
    std::copy(example.tokens.ids.begin(), example.tokens.ids.end(), ids.begin() + start);
    std::copy(example.tokens.segments.begin(), example.tokens.segments.end(),
              segments.begin() + start);
    std::fill_n(padding.begin() + start, example.tokens.ids.size(), uint8_t{0});
    SG_CHECK(example.has_label == labelled, "collate: examples {} and {} differ in having a label",
             indices[0], indices[row]);
    labels.push_back(example.label);
    scores.push_back(example.score);
  }

  Batch batch;
  batch.ids = from_vector(ids, {rows, length});
  batch.segments = from_vector(segments, {rows, length});
  batch.padding_mask = from_vector(padding, {rows, length});
  if (labelled) batch.labels = data.is_regression ? from_vector(scores) : from_vector(labels);
  batch.indices.assign(indices.begin(), indices.end());
  return batch;
}

}  // namespace sg::data
