#include "synthgrad/data/sentencepiece_tokenizer.h"

#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <fmt/ranges.h>

#include <algorithm>
#include <unordered_map>

#include "synthgrad/core/error.h"
#include "synthgrad/data/files.h"

namespace sg::data {

namespace {

constexpr std::string_view kLineBreak = "\n";

class SentenceList : public sentencepiece::SentenceIterator {
 public:
  explicit SentenceList(std::span<const std::string> sentences) : sentences_(sentences) { cut(); }
  bool done() const override { return index_ >= sentences_.size(); }
  void Next() override {
    offset_ += piece_.size();
    if (offset_ >= sentences_[index_].size()) {
      ++index_;
      offset_ = 0;
    }
    cut();
  }
  const std::string& value() const override { return piece_; }
  sentencepiece::util::Status status() const override { return {}; }

 private:
  void cut() {
    if (done()) return;
    const std::string_view rest = std::string_view(sentences_[index_]).substr(offset_);
    piece_.assign(rest.substr(0, training_piece_length(rest)));
  }

  std::span<const std::string> sentences_;
  size_t index_ = 0, offset_ = 0;
  std::string piece_;
};

// SentencePiece's own pad and unk roles take [PAD] and [UNK]; [CLS] [SEP] [MASK] are control
// symbols, which fill the free ids 1, 2, 4 in order and are never produced from text. No <s> or
// </s>: [CLS] and [SEP] do that work. The line break is a user-defined piece (id 5), because the
// default normalisation turns it into a space: encode() places it between lines itself. Unknown
// text decodes as "[UNK]", as in the other tokenizers. The map form of Train, unlike the string
// form, does not log every argument; minloglevel 1 (a process-wide SentencePiece setting) keeps its
// warnings and drops its progress chatter.
std::unordered_map<std::string, std::string> training_arguments(
    const SentencePieceOptions& options) {
  return {{"model_type", options.model_type},
          {"vocab_size", std::to_string(options.vocab_size)},
          {"character_coverage", fmt::format("{}", options.character_coverage)},
          {"num_threads", std::to_string(options.num_threads)},
          {"hard_vocab_limit", "false"},
          {"pad_id", "0"},
          {"unk_id", "3"},
          {"bos_id", "-1"},
          {"eos_id", "-1"},
          {"pad_piece", "[PAD]"},
          {"unk_piece", "[UNK]"},
          {"unk_surface", "[UNK]"},
          {"control_symbols", "[CLS],[SEP],[MASK]"},
          {"user_defined_symbols", std::string(kLineBreak)},
          {"minloglevel", "1"}};
}

}  // namespace

size_t training_piece_length(std::string_view rest, size_t max_bytes) {
  if (rest.size() <= max_bytes) return rest.size();
  const size_t blank = rest.find_last_of(" \t", max_bytes - 1);
  if (blank != std::string_view::npos) return blank + 1;
  size_t length = max_bytes;
  while (length > 1 && (static_cast<unsigned char>(rest[length]) & 0xC0) == 0x80) --length;
  return length;
}

SentencePieceTokenizer SentencePieceTokenizer::train(std::span<const std::string> sentences,
                                                     const SentencePieceOptions& options) {
  SG_CHECK(options.model_type == "unigram" || options.model_type == "bpe",
           "SentencePieceTokenizer::train: model_type '{}' is not unigram or bpe",
           options.model_type);
  SG_CHECK(options.vocab_size > kNumSpecialTokens && options.num_threads >= 1,
           "SentencePieceTokenizer::train: vocab_size {} and num_threads {} must exceed {} and 0",
           options.vocab_size, options.num_threads, kNumSpecialTokens);
  SG_CHECK(!sentences.empty(), "SentencePieceTokenizer::train: no sentences");
  SentenceList list(sentences);
  std::string serialized;
  const auto status =
      sentencepiece::SentencePieceTrainer::Train(training_arguments(options), &list, &serialized);
  SG_CHECK(status.ok(), "SentencePieceTokenizer::train: {}", status.ToString());
  return SentencePieceTokenizer(std::move(serialized), "trained model");
}

SentencePieceTokenizer SentencePieceTokenizer::from_model(std::string serialized,
                                                          const std::string& source) {
  return SentencePieceTokenizer(std::move(serialized), source);
}

SentencePieceTokenizer::SentencePieceTokenizer(std::string serialized, const std::string& source)
    : serialized_(std::move(serialized)),
      processor_(std::make_unique<sentencepiece::SentencePieceProcessor>()) {
  // Some damaged models (a piece holding a NUL byte) make the library throw, not return a status.
  sentencepiece::util::Status status;
  try {
    status = processor_->LoadFromSerializedProto(serialized_);
  } catch (const std::exception& e) {
    fail("{}: not a SentencePiece model: {}", source, e.what());
  }
  SG_CHECK(status.ok(), "{}: not a SentencePiece model: {}", source, status.ToString());
  SG_CHECK(processor_->GetPieceSize() > kNumSpecialTokens, "{}: only {} pieces", source,
           processor_->GetPieceSize());
  for (int id = 0; id < kNumSpecialTokens; ++id) {
    SG_CHECK(processor_->IdToPiece(id) == kSpecialTokenNames[static_cast<size_t>(id)],
             "{}: a SentencePiece model without {} at ids 0..{} (id {} is '{}'); train it with "
             "SentencePieceTokenizer::train",
             source, fmt::join(kSpecialTokenNames, " "), kNumSpecialTokens - 1, id,
             processor_->IdToPiece(id));
    // As an ordinary piece, "[CLS]" typed in a text would encode to the real [CLS].
    const bool special_role =
        id == special_id(Special::unk) ? processor_->IsUnknown(id) : processor_->IsControl(id);
    SG_CHECK(special_role,
             "{}: SentencePiece piece {} at id {} is an ordinary piece, not a {} symbol, so text "
             "could produce it",
             source, processor_->IdToPiece(id), id,
             id == special_id(Special::unk) ? "unknown" : "control");
  }
  line_break_id_ = processor_->PieceToId(kLineBreak);
  SG_CHECK(processor_->IdToPiece(static_cast<int>(line_break_id_)) == kLineBreak,
           "{}: a SentencePiece model without a line-break piece; train it with "
           "SentencePieceTokenizer::train",
           source);
}

SentencePieceTokenizer::SentencePieceTokenizer(SentencePieceTokenizer&&) noexcept = default;
SentencePieceTokenizer& SentencePieceTokenizer::operator=(SentencePieceTokenizer&&) noexcept =
    default;
SentencePieceTokenizer::~SentencePieceTokenizer() = default;

int64_t SentencePieceTokenizer::vocab_size() const {
  return processor_->GetPieceSize();
}

std::vector<int64_t> SentencePieceTokenizer::encode(std::string_view text) const {
  std::vector<int64_t> ids;
  for (size_t start = 0;; ++start) {
    const size_t end = std::min(text.find(kLineBreak, start), text.size());
    std::vector<int> line;
    const auto status = processor_->Encode(text.substr(start, end - start), &line);
    SG_CHECK(status.ok(), "SentencePieceTokenizer::encode: {}", status.ToString());
    ids.insert(ids.end(), line.begin(), line.end());
    if (end == text.size()) return ids;
    ids.push_back(line_break_id_);
    start = end;
  }
}

std::string SentencePieceTokenizer::token(int64_t id) const {
  check_id(id, "SentencePieceTokenizer::token");
  return processor_->IdToPiece(static_cast<int>(id));
}

std::string SentencePieceTokenizer::decode_ordinary(std::span<const int64_t> ids) const {
  std::string text;
  for (auto start = ids.begin();; ++start) {
    const auto end = std::find(start, ids.end(), line_break_id_);
    const std::vector<int> line(start, end);
    std::string decoded;
    const auto status = processor_->Decode(line, &decoded);
    SG_CHECK(status.ok(), "SentencePieceTokenizer::decode: {}", status.ToString());
    text += decoded;
    if (end == ids.end()) return text;
    text += kLineBreak;
    start = end;
  }
}

void SentencePieceTokenizer::save(const std::string& path) const {
  write_text_file(path, serialized_);
}

}  // namespace sg::data
