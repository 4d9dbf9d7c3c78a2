#include "synthgrad/data/encoding.h"

#include "synthgrad/core/error.h"

namespace sg::data {

namespace {

// Appends [CLS]? part [SEP] with the part's segment id.
void append_part(Encoding& out, const std::vector<int64_t>& part, int64_t segment, bool with_cls) {
  if (with_cls) out.ids.push_back(special_id(Special::cls));
  out.ids.insert(out.ids.end(), part.begin(), part.end());
  out.ids.push_back(special_id(Special::sep));
  out.segments.resize(out.ids.size(), segment);
}

}  // namespace

Encoding encode_single(const Tokenizer& tokenizer, std::string_view a, int64_t max_length) {
  SG_CHECK(max_length >= 2, "encode_single: max_length {} leaves no room for [CLS] and [SEP]",
           max_length);
  std::vector<int64_t> ids = tokenizer.encode(a);
  if (static_cast<int64_t>(ids.size()) > max_length - 2)
    ids.resize(static_cast<size_t>(max_length - 2));
  Encoding out;
  append_part(out, ids, 0, true);
  return out;
}

Encoding encode_pair(const Tokenizer& tokenizer, std::string_view a, std::string_view b,
                     int64_t max_length) {
  SG_CHECK(max_length >= 3, "encode_pair: max_length {} leaves no room for [CLS] [SEP] [SEP]",
           max_length);
  std::vector<int64_t> ids_a = tokenizer.encode(a), ids_b = tokenizer.encode(b);
  const size_t budget = static_cast<size_t>(max_length - 3);
  while (ids_a.size() + ids_b.size() > budget) {
    if (ids_a.size() > ids_b.size())
      ids_a.pop_back();
    else
      ids_b.pop_back();
  }
  Encoding out;
  append_part(out, ids_a, 0, true);
  append_part(out, ids_b, 1, false);
  return out;
}

EncodedDataset encode_dataset(const Tokenizer& tokenizer, const TaskSpec& task,
                              const std::vector<Example>& examples, int64_t max_length) {
  EncodedDataset data;
  data.is_regression = task.is_regression;
  data.examples.reserve(examples.size());
  for (const Example& example : examples) {
    EncodedExample& out = data.examples.emplace_back();
    out.tokens = task.is_pair ? encode_pair(tokenizer, example.text_a, example.text_b, max_length)
                              : encode_single(tokenizer, example.text_a, max_length);
    out.label = example.label;
    out.score = example.score;
    out.has_label = example.has_label;
  }
  return data;
}

}  // namespace sg::data
