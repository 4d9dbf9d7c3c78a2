#include "synthgrad/data/word_tokenizer.h"

#include <algorithm>
#include <cctype>
#include <map>

#include "synthgrad/core/error.h"

namespace sg::data {

namespace {

// ASCII classes only: <cctype> on a byte of a multi-byte UTF-8 character depends on the locale.
bool is_ascii_space(char c) {
  return c == ' ' || (c >= '\t' && c <= '\r');
}
bool is_ascii_punct(char c) {
  return static_cast<unsigned char>(c) < 0x80 && std::ispunct(static_cast<unsigned char>(c));
}

}  // namespace

WordTokenizer::WordTokenizer(Vocabulary vocabulary, bool lowercase, WordSplitting splitting)
    : vocabulary_(std::move(vocabulary)),
      lowercase_(lowercase),
      splitting_(splitting),
      unknown_id_(splitting == WordSplitting::lines ? vocabulary_.id_of(kUnknownWord)
                                                    : special_id(Special::unk)) {}

std::vector<std::string> WordTokenizer::split_words(std::string_view text, bool lowercase,
                                                    WordSplitting splitting) {
  std::vector<std::string> words;
  std::string word;
  auto finish_word = [&] {
    if (!word.empty()) words.push_back(std::move(word));
    word.clear();
  };
  for (char c : text) {
    if (c == '\n' && splitting == WordSplitting::lines) {
      finish_word();
      words.emplace_back(kEndOfLine);
    } else if (is_ascii_space(c)) {
      finish_word();
    } else if (splitting == WordSplitting::punctuation && is_ascii_punct(c)) {
      finish_word();
      words.emplace_back(1, c);
    } else {
      word += lowercase && c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
    }
  }
  finish_word();
  return words;
}

WordTokenizer WordTokenizer::build(std::span<const std::string> texts,
                                   WordTokenizerOptions options) {
  SG_CHECK(options.min_count >= 1, "WordTokenizer::build: min_count {} is below 1",
           options.min_count);
  std::map<std::string, int64_t, std::less<>> counts;
  for (const std::string& text : texts)
    for (std::string& word : split_words(text, options.lowercase, options.splitting))
      ++counts[std::move(word)];
  std::vector<std::pair<std::string, int64_t>> kept;
  // A word spelt like a special token ("[MASK]" in the text) is text, not that token: it stays
  // out of the vocabulary and encodes as the unknown word.
  for (auto& [word, count] : counts)
    if (count >= options.min_count && !is_special_name(word)) kept.emplace_back(word, count);
  std::stable_sort(kept.begin(), kept.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  std::vector<std::string> words;
  words.reserve(kept.size());
  for (auto& entry : kept) words.push_back(std::move(entry.first));
  if (options.splitting == WordSplitting::lines)
    for (std::string_view word : {kEndOfLine, kUnknownWord})
      if (std::find(words.begin(), words.end(), word) == words.end()) words.emplace_back(word);
  return WordTokenizer(Vocabulary(std::move(words)), options.lowercase, options.splitting);
}

std::vector<int64_t> WordTokenizer::encode(std::string_view text) const {
  std::vector<int64_t> ids;
  for (const std::string& word : split_words(text, lowercase_, splitting_)) {
    const int64_t id = vocabulary_.id_of(word);
    ids.push_back(id == special_id(Special::unk) ? unknown_id_ : id);
  }
  return ids;
}

std::string WordTokenizer::token(int64_t id) const {
  return vocabulary_.token(id);
}

std::string WordTokenizer::decode_ordinary(std::span<const int64_t> ids) const {
  std::string text;
  for (int64_t id : ids) {
    const std::string& word = vocabulary_.token(id);
    if (splitting_ == WordSplitting::lines && word == kEndOfLine) {
      text += '\n';
      continue;
    }
    if (!text.empty() && text.back() != '\n') text += ' ';
    text += word;
  }
  return text;
}

void WordTokenizer::save(const std::string& path) const {
  save_vocabulary_file(path, {kind(), vocabulary_, lowercase_, splitting_ == WordSplitting::lines});
}

}  // namespace sg::data
