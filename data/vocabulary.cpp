#include "synthgrad/data/vocabulary.h"

#include <algorithm>

#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "synthgrad/core/error.h"
#include "synthgrad/data/files.h"
#include "synthgrad/data/tokenizer.h"

namespace sg::data {

namespace {

constexpr std::string_view kFormat = "synthgrad-vocabulary";
constexpr int kVersion = 1;

}  // namespace

Vocabulary::Vocabulary(std::vector<std::string> ordinary_tokens) {
  tokens_.assign(kSpecialTokenNames.begin(), kSpecialTokenNames.end());
  tokens_.reserve(tokens_.size() + ordinary_tokens.size());
  for (std::string& token : ordinary_tokens) {
    SG_CHECK(!token.empty(), "Vocabulary: empty token at id {}", tokens_.size());
    SG_CHECK(!is_special_name(token), "Vocabulary: special token {} among the ordinary tokens",
             token);
    const auto [where, inserted] = ids_.emplace(token, size());
    SG_CHECK(inserted, "Vocabulary: token '{}' at ids {} and {}", token, where->second, size());
    tokens_.push_back(std::move(token));
  }
}

const std::string& Vocabulary::token(int64_t id) const {
  SG_CHECK(id >= 0 && id < size(), "Vocabulary: id {} outside [0, {})", id, size());
  return tokens_[static_cast<size_t>(id)];
}

int64_t Vocabulary::id_of(std::string_view token) const {
  const auto found = ids_.find(token);
  return found == ids_.end() ? special_id(Special::unk) : found->second;
}

void save_vocabulary_file(const std::string& path, const VocabularyFile& file) {
  nlohmann::json json = {{"format", kFormat},   {"version", kVersion},
                         {"kind", file.kind},   {"lowercase", file.lowercase},
                         {"lines", file.lines}, {"tokens", file.vocabulary.tokens()}};
  std::string text;
  try {
    text = json.dump(1) + "\n";
  } catch (const nlohmann::json::type_error& e) {
    fail("{}: cannot save a token that is not valid UTF-8: {}", path, e.what());
  }
  write_text_file(path, text);
}

VocabularyFile parse_vocabulary_file(const std::string& path, const std::string& content) {
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(content);
  } catch (const nlohmann::json::exception& e) {
    fail("{}: not a vocabulary file: {}", path, e.what());
  }
  SG_CHECK(json.is_object() && json.contains("format") && json["format"] == kFormat,
           "{}: not a synthgrad vocabulary file (no \"format\": \"{}\")", path, kFormat);
  const auto field = [&](const char* name, bool (nlohmann::json::*has_type)() const noexcept,
                         const char* type) -> const nlohmann::json& {
    SG_CHECK(json.contains(name) && (json[name].*has_type)(), "{}: field '{}' must be {}", path,
             name, type);
    return json[name];
  };
  const int64_t version = field("version", &nlohmann::json::is_number_integer, "an integer");
  SG_CHECK(version == kVersion, "{}: vocabulary version {} (this build reads {})", path, version,
           kVersion);
  VocabularyFile file;
  file.kind = field("kind", &nlohmann::json::is_string, "a string");
  if (json.contains("lowercase"))
    file.lowercase = field("lowercase", &nlohmann::json::is_boolean, "true or false");
  if (json.contains("lines"))
    file.lines = field("lines", &nlohmann::json::is_boolean, "true or false");
  const nlohmann::json& token_list = field("tokens", &nlohmann::json::is_array, "an array");
  std::vector<std::string> tokens;
  for (const nlohmann::json& token : token_list) {
    SG_CHECK(token.is_string(), "{}: token {} is not a string: {}", path, tokens.size(),
             token.dump());
    tokens.push_back(token);
  }
  SG_CHECK(tokens.size() >= kSpecialTokenNames.size() &&
               std::equal(kSpecialTokenNames.begin(), kSpecialTokenNames.end(), tokens.begin()),
           "{}: the first tokens must be {}", path, fmt::join(kSpecialTokenNames, " "));
  tokens.erase(tokens.begin(), tokens.begin() + kNumSpecialTokens);
  try {
    file.vocabulary = Vocabulary(std::move(tokens));
  } catch (const Error& e) {
    fail("{}: {}", path, e.what());
  }
  return file;
}

}  // namespace sg::data
