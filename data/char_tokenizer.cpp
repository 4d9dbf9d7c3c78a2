#include "synthgrad/data/char_tokenizer.h"

#include <set>

#include "synthgrad/core/error.h"
#include "synthgrad/data/utf8.h"

namespace sg::data {

namespace {

// Calls visit(character) for each UTF-8 character, or visit("") for each invalid byte.
template <class Visit>
void for_each_char(std::string_view text, const Visit& visit) {
  for (size_t pos = 0; pos < text.size();) {
    const size_t length = utf8_length(text, pos);
    visit(text.substr(pos, length));
    pos += length == 0 ? 1 : length;
  }
}

}  // namespace

CharTokenizer::CharTokenizer(Vocabulary vocabulary) : vocabulary_(std::move(vocabulary)) {
  for (int64_t id = kNumSpecialTokens; id < vocabulary_.size(); ++id) {
    const std::string& token = vocabulary_.token(id);
    SG_CHECK(utf8_length(token, 0) == token.size(),
             "CharTokenizer: token '{}' at id {} is not one UTF-8 character", token, id);
  }
}

CharTokenizer CharTokenizer::build(std::span<const std::string> texts) {
  std::set<std::string, std::less<>> chars;
  for (const std::string& text : texts)
    for_each_char(text, [&](std::string_view c) {
      if (!c.empty() && !chars.contains(c)) chars.emplace(c);
    });
  return CharTokenizer(Vocabulary({chars.begin(), chars.end()}));
}

std::vector<int64_t> CharTokenizer::encode(std::string_view text) const {
  std::vector<int64_t> ids;
  ids.reserve(text.size());
  for_each_char(text, [&](std::string_view c) {
    ids.push_back(c.empty() ? special_id(Special::unk) : vocabulary_.id_of(c));
  });
  return ids;
}

std::string CharTokenizer::token(int64_t id) const {
  return vocabulary_.token(id);
}

std::string CharTokenizer::decode_ordinary(std::span<const int64_t> ids) const {
  std::string text;
  for (int64_t id : ids) text += vocabulary_.token(id);
  return text;
}

void CharTokenizer::save(const std::string& path) const {
  save_vocabulary_file(path, {kind(), vocabulary_});
}

}  // namespace sg::data
