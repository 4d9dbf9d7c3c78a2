#include <doctest/doctest.h>

#include <algorithm>
#include <limits>
#include <numeric>

#include "fixtures.h"
#include "synthgrad/data/batching.h"

using namespace sg;
using namespace sg::data;
using sg::testing::error_message;

namespace {

using Ids = std::vector<int64_t>;

// Example i has the given length: [CLS] 100+i ... [SEP], label i % 2, score i / 2.
EncodedDataset dataset(const std::vector<int64_t>& lengths, bool regression = false) {
  EncodedDataset data;
  data.is_regression = regression;
  for (size_t i = 0; i < lengths.size(); ++i) {
    EncodedExample example;
    example.tokens.ids.assign(static_cast<size_t>(lengths[i]), 100 + static_cast<int64_t>(i));
    example.tokens.ids.front() = special_id(Special::cls);
    example.tokens.ids.back() = special_id(Special::sep);
    example.tokens.segments.assign(static_cast<size_t>(lengths[i]), 0);
    example.tokens.segments.back() = 1;
    example.label = static_cast<int64_t>(i % 2);
    example.score = static_cast<float>(i) / 2;
    example.has_label = true;
    data.examples.push_back(std::move(example));
  }
  return data;
}

// Lengths 2..40 in a scrambled but fixed pattern.
std::vector<int64_t> varied_lengths(int64_t n) {
  std::vector<int64_t> lengths;
  for (int64_t i = 0; i < n; ++i) lengths.push_back(2 + (i * 17) % 39);
  return lengths;
}

bool is_permutation_of_range(Ids order) {
  std::sort(order.begin(), order.end());
  for (size_t i = 0; i < order.size(); ++i)
    if (order[i] != static_cast<int64_t>(i)) return false;
  return true;
}

int64_t padding_cells(Batcher& batcher) {
  int64_t padded = 0;
  for (int64_t b = 0; b < batcher.batches_per_epoch(); ++b) {
    const auto mask = batcher.next().padding_mask.to_vector<uint8_t>();
    padded += std::count(mask.begin(), mask.end(), uint8_t{1});
  }
  return padded;
}

}  // namespace

TEST_CASE("collate pads to the longest example with a padding mask") {
  const EncodedDataset data = dataset({3, 5, 2});
  const Batch batch = collate(data, Ids{0, 1, 2});
  CHECK(batch.ids.shape() == Shape{3, 5});
  CHECK(batch.ids.dtype() == DType::i64);
  CHECK(batch.ids.to_vector<int64_t>() == Ids{1, 100, 2, 0, 0,      //
                                              1, 101, 101, 101, 2,  //
                                              1, 2, 0, 0, 0});
  CHECK(batch.segments.to_vector<int64_t>() == Ids{0, 0, 1, 0, 0,  //
                                                   0, 0, 0, 0, 1,  //
                                                   0, 1, 0, 0, 0});
  CHECK(batch.padding_mask.dtype() == DType::b8);
  CHECK(batch.padding_mask.to_vector<uint8_t>() == std::vector<uint8_t>{0, 0, 0, 1, 1,  //
                                                                        0, 0, 0, 0, 0,  //
                                                                        0, 0, 1, 1, 1});
  CHECK(batch.labels.dtype() == DType::i64);
  CHECK(batch.labels.to_vector<int64_t>() == Ids{0, 1, 0});
  CHECK(batch.indices == Ids{0, 1, 2});
  CHECK(collate(data, Ids{2}).ids.shape() == Shape{1, 2});

  const Batch regression = collate(dataset({2, 4}, true), Ids{1, 0});
  CHECK(regression.labels.dtype() == DType::f32);
  CHECK(regression.labels.shape() == Shape{2});
  CHECK(regression.labels.to_vector<float>() == std::vector<float>{0.5f, 0.0f});

  EncodedDataset unlabelled = dataset({2, 3});
  for (auto& example : unlabelled.examples) example.has_label = false;
  CHECK_FALSE(collate(unlabelled, Ids{0, 1}).labels.defined());
  unlabelled.examples[1].has_label = true;
  CHECK(error_message([&] {
          collate(unlabelled, Ids{0, 1});
        }).find("differ in having a label") != std::string::npos);
  CHECK(error_message([&] { collate(data, Ids{3}); }) == "collate: index 3 outside [0, 3)");
}

TEST_CASE("epoch orders are seeded permutations") {
  const std::vector<int64_t> lengths = varied_lengths(50);
  const BatchOptions options{.batch_size = 8, .seed = 11};
  const Ids first = epoch_order(lengths, options, 0);
  CHECK(is_permutation_of_range(first));
  CHECK(epoch_order(lengths, options, 0) == first);
  CHECK(epoch_order(lengths, options, 1) != first);
  CHECK(is_permutation_of_range(epoch_order(lengths, options, 1)));
  CHECK(epoch_order(lengths, {.batch_size = 8, .seed = 12}, 0) != first);
  Ids identity(50);
  std::iota(identity.begin(), identity.end(), int64_t{0});
  CHECK(epoch_order(lengths, {.batch_size = 8, .shuffle = false}, 3) == identity);
}

TEST_CASE("length bucketing sorts within chunks and keeps batches random") {
  const std::vector<int64_t> lengths = varied_lengths(100);
  const BatchOptions options{.batch_size = 8, .seed = 5, .bucket_batches = 4};
  const Ids order = epoch_order(lengths, options, 0);
  CHECK(is_permutation_of_range(order));
  CHECK(order == epoch_order(lengths, options, 0));
  // Each full batch is a run of one sorted chunk, so its lengths never fall.
  for (size_t start = 0; start + 8 <= order.size(); start += 8)
    CHECK(std::is_sorted(order.begin() + static_cast<int64_t>(start),
                         order.begin() + static_cast<int64_t>(start + 8),
                         [&](int64_t a, int64_t b) { return lengths[a] < lengths[b]; }));
  // Batches are shuffled after sorting, so lengths do not rise across the whole epoch.
  CHECK_FALSE(std::is_sorted(order.begin(), order.end(),
                             [&](int64_t a, int64_t b) { return lengths[a] < lengths[b]; }));

  Batcher plain(dataset(lengths), {.batch_size = 8, .seed = 5});
  Batcher bucketed(dataset(lengths), options);
  CHECK(padding_cells(bucketed) < padding_cells(plain) / 2);
}

TEST_CASE("a bucket larger than the data set sorts the whole data set, however large") {
  const std::vector<int64_t> lengths = varied_lengths(30);
  const Ids whole = epoch_order(lengths, {.batch_size = 4, .seed = 2, .bucket_batches = 8}, 1);
  // bucket_batches * batch_size overflowed int64.
  const int64_t huge = std::numeric_limits<int64_t>::max() / 2;
  CHECK(epoch_order(lengths, {.batch_size = 4, .seed = 2, .bucket_batches = huge}, 1) == whole);
  CHECK(epoch_order(lengths, {.batch_size = huge, .seed = 2, .bucket_batches = 3}, 1).size() == 30);
}

TEST_CASE("a Batcher covers every example once per epoch") {
  Batcher batcher(dataset(varied_lengths(20)), {.batch_size = 6, .seed = 3});
  CHECK(batcher.batches_per_epoch() == 4);
  for (int64_t epoch = 0; epoch < 2; ++epoch) {
    Ids seen;
    std::vector<int64_t> sizes;
    for (int64_t b = 0; b < batcher.batches_per_epoch(); ++b) {
      const Batch batch = batcher.next();
      sizes.push_back(batch.ids.size(0));
      seen.insert(seen.end(), batch.indices.begin(), batch.indices.end());
    }
    CHECK(batcher.position().epoch == epoch);
    CHECK(sizes == std::vector<int64_t>{6, 6, 6, 2});
    CHECK(is_permutation_of_range(seen));
  }
  Batcher dropping(dataset(varied_lengths(20)), {.batch_size = 6, .drop_last = true});
  CHECK(dropping.batches_per_epoch() == 3);
  dropping.next();
  dropping.next();
  dropping.next();
  CHECK(dropping.next().ids.size(0) == 6);
  CHECK(dropping.position().epoch == 1);
  CHECK(error_message([] {
          Batcher(dataset({2, 2}), {.batch_size = 3, .drop_last = true});
        }).find("make no batch") != std::string::npos);
}

TEST_CASE("a restored Batcher gives exactly the batches the first one would have") {
  const BatchOptions options{.batch_size = 6, .seed = 9, .bucket_batches = 2};
  Batcher first(dataset(varied_lengths(20)), options);
  for (int i = 0; i < 3; ++i) first.next();
  const std::string saved = to_string(first.position());

  Batcher resumed(dataset(varied_lengths(20)), options);
  resumed.restore(parse_batch_position(saved));
  CHECK(resumed.position().batch == 3);
  for (int i = 0; i < 4; ++i) {  // across the end of epoch 0
    CAPTURE(i);
    const Batch expected = first.next(), actual = resumed.next();
    CHECK(actual.indices == expected.indices);
    CHECK(actual.ids.to_vector<int64_t>() == expected.ids.to_vector<int64_t>());
    CHECK(actual.padding_mask.to_vector<uint8_t>() == expected.padding_mask.to_vector<uint8_t>());
  }
  CHECK(resumed.position().epoch == 1);
  CHECK(to_string(resumed.position()) == to_string(first.position()));
  // And a new run with the same seed starts with the same batches.
  Batcher again(dataset(varied_lengths(20)), options);
  Batcher other(dataset(varied_lengths(20)), options);
  CHECK(again.next().indices == other.next().indices);
}

TEST_CASE("restoring a position that does not fit fails clearly") {
  Batcher batcher(dataset(varied_lengths(5)), {.batch_size = 2});
  CHECK(error_message([&] {
          batcher.restore({0, 0, {0, 1, 2}});
        }) == "Batcher::restore: an order of 3 examples for a data set of 5");
  CHECK(error_message([&] {
          batcher.restore({0, 0, {0, 1, 2, 3, 3}});
        }).find("not a permutation") != std::string::npos);
  CHECK(error_message([&] {
          batcher.restore({0, 4, {0, 1, 2, 3, 4}});
        }).find("batch 4 is not a position of 3 batches") != std::string::npos);
  CHECK(error_message([] {
          parse_batch_position("{\"epoch\": 1}");
        }).find("parse_batch_position") == 0);
  CHECK(error_message([] { parse_batch_position("epoch 1"); }).find("parse_batch_position") == 0);
}
