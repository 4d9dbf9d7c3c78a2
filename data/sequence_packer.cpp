#include "synthgrad/data/sequence_packer.h"

#include <nlohmann/json.hpp>

#include "synthgrad/core/creation.h"
#include "synthgrad/core/error.h"

namespace sg::data {

std::string to_string(const PackingPosition& p) {
  return nlohmann::json{{"epoch", p.epoch},
                        {"span", p.line.span},
                        {"byte", p.line.byte},
                        {"line_start", p.line.line_start},
                        {"document_start", p.line.document_start},
                        {"token", p.token}}
      .dump();
}

PackingPosition parse_packing_position(const std::string& text) {
  try {
    const nlohmann::json json = nlohmann::json::parse(text);
    return {.epoch = json.at("epoch").get<int64_t>(),
            .line = {.span = json.at("span").get<int64_t>(),
                     .byte = json.at("byte").get<int64_t>(),
                     .line_start = json.at("line_start").get<bool>(),
                     .document_start = json.at("document_start").get<bool>()},
            .token = json.at("token").get<int64_t>()};
  } catch (const nlohmann::json::exception& e) {
    fail(
        "parse_packing_position: expected {{\"epoch\", \"span\", \"byte\", \"line_start\", "
        "\"document_start\", \"token\"}} JSON: {}",
        e.what());
  }
}

SequencePacker::SequencePacker(std::vector<CorpusSpan> spans, const Tokenizer& tokenizer,
                               int64_t max_length, bool repeat)
    : reader_(std::move(spans)), tokenizer_(tokenizer), max_length_(max_length), repeat_(repeat) {
  SG_CHECK(max_length >= 3, "SequencePacker: max_length {} leaves no room beside [CLS] and [SEP]",
           max_length);
  SG_CHECK(!reader_.spans().empty(), "SequencePacker: the corpus has no text");
  line_at_ = reader_.cursor();
}

bool SequencePacker::load_line() {
  std::optional<CorpusLine> line = reader_.next();
  if (!line) {
    SG_CHECK(epoch_has_text_, "SequencePacker: the corpus starting with '{}' holds no text",
             reader_.spans().front().path);
    if (!repeat_) return false;
    ++epoch_;
    epoch_has_text_ = false;
    reader_.seek({.byte = reader_.spans().front().begin});
    line = reader_.next();
    SG_CHECK(line.has_value(), "SequencePacker: the corpus changed while it was read");
  }
  line_at_ = line->at;
  leads_with_separator_ = line->starts_document;
  line_ids_.clear();
  if (leads_with_separator_) line_ids_.push_back(special_id(Special::sep));
  const std::vector<int64_t> ids = tokenizer_.encode(line->text);
  // Lines count as text by their ids: a line can encode to none (SentencePiece drops control
  // characters), and a pass of only such lines would repeat forever.
  epoch_has_text_ = epoch_has_text_ || !ids.empty();
  line_ids_.insert(line_ids_.end(), ids.begin(), ids.end());
  used_ = 0;
  return true;
}

std::optional<std::vector<int64_t>> SequencePacker::next() {
  const auto content = static_cast<size_t>(max_length_ - 2);
  std::vector<int64_t> sequence{special_id(Special::cls)};
  while (sequence.size() < content + 1) {
    if (used_ == line_ids_.size() && !load_line()) return std::nullopt;
    if (used_ == line_ids_.size()) continue;  // a line of no ids
    const bool separator = used_ == 0 && leads_with_separator_;
    if (!(separator && sequence.size() == 1)) sequence.push_back(line_ids_[used_]);
    ++used_;
  }
  sequence.push_back(special_id(Special::sep));
  return sequence;
}

std::optional<Tensor> SequencePacker::next_batch(int64_t batch_size) {
  SG_CHECK(batch_size >= 1, "SequencePacker::next_batch: batch_size {} must be positive",
           batch_size);
  std::vector<int64_t> ids;
  int64_t rows = 0;
  for (; rows < batch_size; ++rows) {
    std::optional<std::vector<int64_t>> sequence = next();
    if (!sequence) break;
    ids.insert(ids.end(), sequence->begin(), sequence->end());
  }
  if (rows == 0) return std::nullopt;
  return from_vector(ids, {rows, max_length_});
}

PackingPosition SequencePacker::position() const {
  if (used_ < line_ids_.size())
    return {.epoch = epoch_, .line = line_at_, .token = static_cast<int64_t>(used_)};
  return {.epoch = epoch_, .line = reader_.cursor(), .token = 0};
}

void SequencePacker::restore(const PackingPosition& position) {
  SG_CHECK(position.epoch >= 0 && position.token >= 0,
           "SequencePacker::restore: epoch {} and token {} must not be negative", position.epoch,
           position.token);
  reader_.seek(position.line);
  epoch_ = position.epoch;
  epoch_has_text_ = true;
  line_ids_.clear();
  used_ = 0;
  if (position.token == 0) return;
  SG_CHECK(load_line() && position.token < static_cast<int64_t>(line_ids_.size()),
           "SequencePacker::restore: the line at byte {} of span {} has no token {}",
           position.line.byte, position.line.span, position.token);
  used_ = static_cast<size_t>(position.token);
}

}  // namespace sg::data
