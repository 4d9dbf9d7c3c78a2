#pragma once
// Subword tokens from a SentencePiece model (Kudo & Richardson 2018) trained in memory on the train
// split. The model keeps [PAD] [CLS] [SEP] [UNK] [MASK] at ids 0..4 like the other tokenizers, and
// save() writes the standard .model file, which the Python `sentencepiece` package also reads.
// Line breaks are tokens of their own (SentencePiece alone would encode them as spaces): each line
// is encoded alone and the line-break piece goes between lines.
#include <memory>
#include <span>
#include <string_view>

#include "synthgrad/data/tokenizer.h"

namespace sentencepiece {
class SentencePieceProcessor;
}

namespace sg::data {

struct SentencePieceOptions {
  int64_t vocab_size = 8000;           // an upper bound: a small corpus may give fewer pieces
  std::string model_type = "unigram";  // or "bpe"
  double character_coverage = 1.0;     // fraction of characters kept; the rest become [UNK]
  // One thread makes training reproducible; more threads are faster on large corpora.
  int num_threads = 1;
};

class SentencePieceTokenizer : public Tokenizer {
 public:
  static SentencePieceTokenizer train(std::span<const std::string> sentences,
                                      const SentencePieceOptions& options = {});
  // From the bytes of a .model file; errors name `source`.
  static SentencePieceTokenizer from_model(std::string serialized, const std::string& source);

  SentencePieceTokenizer(SentencePieceTokenizer&&) noexcept;
  SentencePieceTokenizer& operator=(SentencePieceTokenizer&&) noexcept;
  ~SentencePieceTokenizer() override;

  std::string kind() const override { return "sentencepiece"; }
  int64_t vocab_size() const override;
  std::vector<int64_t> encode(std::string_view text) const override;
  std::string token(int64_t id) const override;
  void save(const std::string& path) const override;  // the .model file

 protected:
  std::string decode_ordinary(std::span<const int64_t> ids) const override;
  std::string_view separator() const override { return " "; }

 private:
  SentencePieceTokenizer(std::string serialized, const std::string& source);

  std::string serialized_;  // the model proto, kept for save()
  std::unique_ptr<sentencepiece::SentencePieceProcessor> processor_;
  int64_t line_break_id_ = 0;
};

// SentencePiece skips a training sentence longer than its max_sentence_length (4192 bytes), and a
// corpus of one paragraph per line would leave it nothing: train() serves each sentence in pieces
// of at most this many bytes.
inline constexpr size_t kMaxTrainingPieceBytes = 4096;

// The length of the next training piece of `rest`: all of it when it fits in max_bytes, else cut
// after the last blank that fits, or (with no blank) before the character that would not fit.
size_t training_piece_length(std::string_view rest, size_t max_bytes = kMaxTrainingPieceBytes);

}  // namespace sg::data
