#include "synthgrad/data/tokenizer.h"

#include <filesystem>

#include "synthgrad/core/error.h"
#include "synthgrad/data/char_tokenizer.h"
#include "synthgrad/data/files.h"
#include "synthgrad/data/sentencepiece_tokenizer.h"
#include "synthgrad/data/word_tokenizer.h"

namespace sg::data {

void Tokenizer::check_id(int64_t id, const char* op) const {
  SG_CHECK(id >= 0 && id < vocab_size(), "{}: id {} outside the {} tokenizer's vocabulary [0, {})",
           op, id, kind(), vocab_size());
}

std::string Tokenizer::decode(std::span<const int64_t> ids, bool skip_special) const {
  std::string text;
  auto append = [&](std::string_view part) {
    if (part.empty()) return;
    if (!text.empty()) text += separator();
    text += part;
  };
  size_t run_start = 0;  // the first id of the current run of ordinary ids and [UNK]
  for (size_t i = 0; i <= ids.size(); ++i) {
    if (i < ids.size()) check_id(ids[i], "Tokenizer::decode");
    // [UNK] stands for text, so the tokenizer places it like text (spacing differs per tokenizer).
    if (i < ids.size() && (!is_special_id(ids[i]) || ids[i] == special_id(Special::unk))) continue;
    if (i > run_start) append(decode_ordinary(ids.subspan(run_start, i - run_start)));
    if (i < ids.size() && !skip_special) append(kSpecialTokenNames[static_cast<size_t>(ids[i])]);
    run_start = i + 1;
  }
  return text;
}

std::unique_ptr<Tokenizer> load_tokenizer(const std::string& path) {
  return parse_tokenizer(read_text_file(path, "load_tokenizer"), path);
}

std::unique_ptr<Tokenizer> parse_tokenizer(std::string content, const std::string& path) {
  // A vocabulary file is a JSON object; a SentencePiece model is a protobuf, whose first byte is a
  // field tag and never '{'.
  const size_t first = content.find_first_not_of(" \t\r\n");
  if (first == std::string::npos || content[first] != '{')
    return std::make_unique<SentencePieceTokenizer>(
        SentencePieceTokenizer::from_model(std::move(content), path));
  VocabularyFile file = parse_vocabulary_file(path, content);
  if (file.kind == "char") {
    try {
      return std::make_unique<CharTokenizer>(std::move(file.vocabulary));
    } catch (const Error& e) {
      fail("{}: {}", path, e.what());
    }
  }
  if (file.kind == "word")
    return std::make_unique<WordTokenizer>(
        std::move(file.vocabulary), file.lowercase,
        file.lines ? WordSplitting::lines : WordSplitting::punctuation);
  fail("{}: unknown tokenizer kind '{}' (expected char or word)", path, file.kind);
}

std::string tokenizer_path_beside(const std::string& checkpoint_path) {
  return std::filesystem::path(checkpoint_path).replace_extension(".tokenizer").string();
}

}  // namespace sg::data
