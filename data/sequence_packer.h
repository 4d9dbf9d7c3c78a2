#pragma once
// Pre-training sequences packed from a streamed corpus, RoBERTa's FULL-SENTENCES way: the tokens
// of consecutive documents, with a [SEP] between documents, fill `[CLS] ... [SEP]` sequences of
// exactly max_length ids, so no id is padding. A document may run on into the next sequence.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "synthgrad/core/tensor.h"
#include "synthgrad/data/corpus_reader.h"
#include "synthgrad/data/tokenizer.h"

namespace sg::data {

// Where a packer is: the next sequence continues with token `token` of the line at `line` (the
// line's ids, counting the [SEP] before a document's first line), in pass `epoch` over the corpus.
struct PackingPosition {
  int64_t epoch = 0;
  CorpusCursor line;
  int64_t token = 0;
};

// JSON text for checkpoint metadata, and back; parsing throws an sg::Error on malformed text.
std::string to_string(const PackingPosition& position);
PackingPosition parse_packing_position(const std::string& text);

class SequencePacker {
 public:
  // The tokenizer must outlive the packer. repeat: start the corpus again after its end (training);
  // otherwise the stream ends there, and the last ids that fill no whole sequence are left out.
  SequencePacker(std::vector<CorpusSpan> spans, const Tokenizer& tokenizer, int64_t max_length,
                 bool repeat);

  // max_length ids: [CLS], max_length - 2 ids of the stream, [SEP]. A document's [SEP] is left out
  // where it would come right after [CLS].
  std::optional<std::vector<int64_t>> next();
  // i64 [b, max_length] of the next b <= batch_size sequences (b < batch_size only at the end of
  // a stream that does not repeat), or nothing when no sequence is left.
  std::optional<Tensor> next_batch(int64_t batch_size);

  int64_t max_length() const { return max_length_; }
  PackingPosition position() const;
  // Continues from a position that position() gave for the same corpus, tokenizer and length.
  void restore(const PackingPosition& position);

 private:
  // Loads the ids of the next line; false at the end of a stream that does not repeat.
  bool load_line();

  CorpusReader reader_;
  const Tokenizer& tokenizer_;
  int64_t max_length_;
  bool repeat_;
  int64_t epoch_ = 0;
  bool epoch_has_text_ = false;  // a pass without any ids would repeat forever
  std::vector<int64_t> line_ids_;
  CorpusCursor line_at_;
  size_t used_ = 0;  // line_ids_[0, used_) are in earlier sequences
  bool leads_with_separator_ = false;
};

}  // namespace sg::data
