#pragma once
// Model inputs from text: `[CLS] a [SEP]` or `[CLS] a [SEP] b [SEP]` with BERT-style segment ids,
// cut to a maximum length.
#include <cstdint>
#include <string_view>
#include <vector>

#include "synthgrad/data/glue_tasks.h"
#include "synthgrad/data/tokenizer.h"

namespace sg::data {

struct Encoding {
  std::vector<int64_t> ids;
  std::vector<int64_t> segments;  // 0 for [CLS] a [SEP], 1 for b [SEP]
  int64_t length() const { return static_cast<int64_t>(ids.size()); }
};

// At most max_length ids (at least 2), the text cut at its end.
Encoding encode_single(const Tokenizer& tokenizer, std::string_view a, int64_t max_length);

// At most max_length ids (at least 3): while too long, the last token of the longer part goes
// (of b on a tie), as BERT's "longest first" truncation does.
Encoding encode_pair(const Tokenizer& tokenizer, std::string_view a, std::string_view b,
                     int64_t max_length);

struct EncodedExample {
  Encoding tokens;
  int64_t label = -1;
  float score = 0.0f;
  bool has_label = false;
};

struct EncodedDataset {
  std::vector<EncodedExample> examples;
  bool is_regression = false;
  int64_t size() const { return static_cast<int64_t>(examples.size()); }
};

// Pairs for pair tasks, single sentences otherwise; labels carried over.
EncodedDataset encode_dataset(const Tokenizer& tokenizer, const TaskSpec& task,
                              const std::vector<Example>& examples, int64_t max_length);

}  // namespace sg::data
