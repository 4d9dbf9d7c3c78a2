#include <doctest/doctest.h>

#include "fixtures.h"
#include "synthgrad/data/char_tokenizer.h"
#include "synthgrad/data/encoding.h"
#include "synthgrad/data/word_tokenizer.h"

using namespace sg;
using namespace sg::data;
using sg::testing::error_message;
using sg::testing::TempFolder;

namespace {

using Ids = std::vector<int64_t>;
const std::vector<std::string> kCorpus = {"The cat sat.", "The dog sat, the cat ran!",
                                          "A dog's day."};

}  // namespace

TEST_CASE("special tokens have the same ids in every tokenizer") {
  CHECK(special_id(Special::pad) == 0);
  CHECK(special_id(Special::cls) == 1);
  CHECK(special_id(Special::sep) == 2);
  CHECK(special_id(Special::unk) == 3);
  CHECK(special_id(Special::mask) == 4);
  const CharTokenizer chars = CharTokenizer::build(kCorpus);
  const WordTokenizer words = WordTokenizer::build(kCorpus);
  for (int64_t id = 0; id < kNumSpecialTokens; ++id) {
    CHECK(chars.token(id) == kSpecialTokenNames[static_cast<size_t>(id)]);
    CHECK(words.token(id) == kSpecialTokenNames[static_cast<size_t>(id)]);
  }
}

TEST_CASE("character tokenizer: vocabulary, round trip, unknown characters") {
  const CharTokenizer tokenizer = CharTokenizer::build(std::vector<std::string>{"abca", "héé"});
  // Specials, then the characters by their bytes: a b c h é (é is two bytes, one character).
  CHECK(tokenizer.vocab_size() == 5 + 5);
  CHECK(tokenizer.token(5) == "a");
  CHECK(tokenizer.token(9) == "é");
  CHECK(tokenizer.encode("cab") == Ids{7, 5, 6});
  CHECK(tokenizer.encode("hé") == Ids{8, 9});
  CHECK(tokenizer.decode(tokenizer.encode("bach é")) == "bach[UNK]é");  // no space in training
  CHECK(tokenizer.encode("z\xff") == Ids{3, 3});  // unseen, and a byte that is not UTF-8
  CHECK(tokenizer.decode(Ids{1, 5, 6, 2, 0, 0}) == "[CLS]ab[SEP][PAD][PAD]");
  CHECK(tokenizer.decode(Ids{1, 5, 6, 2, 0, 0}, true) == "ab");
  CHECK(error_message([&] {
          tokenizer.decode(Ids{5, 10});
        }) == "Tokenizer::decode: id 10 outside the char tokenizer's vocabulary [0, 10)");
}

TEST_CASE("word tokenizer: lower-casing, punctuation, minimum count") {
  CHECK(WordTokenizer::split_words("  Don't STOP,now.\tOK ", true) ==
        std::vector<std::string>{"don", "'", "t", "stop", ",", "now", ".", "ok"});
  CHECK(WordTokenizer::split_words("Café Noir", false) == std::vector<std::string>{"Café", "Noir"});

  // Counts: the 3; . cat dog sat 2; then , ran ! a ' s day once.
  const WordTokenizer tokenizer = WordTokenizer::build(kCorpus, {.min_count = 2});
  CHECK(tokenizer.vocab_size() == 5 + 5);
  CHECK(tokenizer.token(5) == "the");
  CHECK(tokenizer.token(6) == ".");  // ties in byte order: . cat dog sat
  CHECK(tokenizer.token(7) == "cat");
  CHECK(tokenizer.encode("The CAT ran.") == Ids{5, 7, 3, 6});
  CHECK(tokenizer.decode(tokenizer.encode("the dog sat.")) == "the dog sat .");
  CHECK(tokenizer.decode(Ids{1, 5, 7, 2, 8, 2}) == "[CLS] the cat [SEP] dog [SEP]");
  CHECK(WordTokenizer::build(kCorpus).vocab_size() == 5 + 12);
  CHECK(error_message([] {
          WordTokenizer::build(kCorpus, {.min_count = 0});
        }).find("min_count 0") != std::string::npos);
}

TEST_CASE("word tokenizer for language models: an eos per line, the files' own unk, train words") {
  const WordTokenizerOptions lines{.lowercase = false, .splitting = WordSplitting::lines};
  const std::string train = "The cat <unk> sat .\n\nthe Cat , sat\n";
  CHECK(WordTokenizer::split_words(train, false, WordSplitting::lines) ==
        std::vector<std::string>{"The", "cat", "<unk>", "sat", ".", "<eos>", "<eos>", "the", "Cat",
                                 ",", "sat", "<eos>"});

  // Counts: <eos> 3, sat 2, then once each in byte order: , . <unk> Cat The cat the.
  const WordTokenizer tokenizer = WordTokenizer::build(std::vector<std::string>{train}, lines);
  CHECK(tokenizer.vocab_size() == 5 + 9);
  CHECK(tokenizer.token(5) == "<eos>");
  CHECK(tokenizer.token(6) == "sat");
  CHECK(tokenizer.token(9) == "<unk>");
  CHECK(tokenizer.token(11) == "The");
  // "dog" was not in the training text: it is the files' <unk>, as <unk> itself is; case is kept.
  CHECK(tokenizer.encode("the dog <unk>\nThe") == Ids{13, 9, 9, 5, 11});
  CHECK(tokenizer.decode(tokenizer.encode("The cat\nsat .\n")) == "The cat\nsat .\n");

  // <eos> and <unk> are words of the vocabulary even when the training text lacks them.
  const WordTokenizer plain = WordTokenizer::build(std::vector<std::string>{"b a"}, lines);
  CHECK(plain.vocab_size() == 5 + 4);
  CHECK(plain.encode("a c\nb") == Ids{5, 8, 7, 6});
  CHECK(plain.token(8) == "<unk>");

  TempFolder folder;
  tokenizer.save(folder.file("lm.tokenizer"));
  const auto loaded = load_tokenizer(folder.file("lm.tokenizer"));
  CHECK(loaded->encode("the dog <unk>\nThe") == Ids{13, 9, 9, 5, 11});
}

TEST_CASE("word tokenizer: a word spelt like a special token is unknown text, not that token") {
  const std::string train = "a [MASK] b [UNK] [PAD] a\n";
  const WordTokenizer lm = WordTokenizer::build(
      std::vector<std::string>{train}, {.lowercase = false, .splitting = WordSplitting::lines});
  CHECK(lm.vocab_size() == 5 + 4);  // a, b, <eos>, <unk>
  const int64_t unknown = lm.encode("<unk>").front();
  CHECK(lm.encode("[MASK] [UNK] [CLS] [SEP] [PAD]") == Ids(5, unknown));
  // Split at punctuation, the brackets are words of their own.
  const WordTokenizer plain = WordTokenizer::build(std::vector<std::string>{train});
  CHECK(plain.decode(plain.encode("[MASK] a")) == "[ mask ] a");
}

TEST_CASE("character and word tokenizers save and load their vocabulary") {
  TempFolder folder;
  const CharTokenizer chars = CharTokenizer::build(kCorpus);
  const WordTokenizer words = WordTokenizer::build(kCorpus, {.min_count = 1, .lowercase = false});
  const std::string checkpoint = folder.file("model.safetensors");
  CHECK(tokenizer_path_beside(checkpoint) == folder.file("model.tokenizer"));
  for (const Tokenizer* original : std::vector<const Tokenizer*>{&chars, &words}) {
    CAPTURE(original->kind());
    original->save(tokenizer_path_beside(checkpoint));
    const auto loaded = load_tokenizer(tokenizer_path_beside(checkpoint));
    CHECK(loaded->kind() == original->kind());
    CHECK(loaded->vocab_size() == original->vocab_size());
    for (const std::string& text : {std::string("The Dog ran, the cat sat!"), std::string("xyz")})
      CHECK(loaded->encode(text) == original->encode(text));
  }
  // The word tokenizer keeps its case setting.
  CHECK(load_tokenizer(tokenizer_path_beside(checkpoint))->encode("The") !=
        load_tokenizer(tokenizer_path_beside(checkpoint))->encode("the"));
}

TEST_CASE("loading a tokenizer from a folder says it is a folder") {
  TempFolder folder;
  // A folder opens and reads as no bytes, which read as a damaged SentencePiece model.
  CHECK(error_message([&] { load_tokenizer(folder.path.string()); }) ==
        "load_tokenizer: cannot read '" + folder.path.string() + "': it is a folder");
}

TEST_CASE("loading a bad vocabulary file names the file and the problem") {
  TempFolder folder;
  const std::string path = folder.file("vocab.json");
  auto load_error = [&](const std::string& content) {
    folder.write("vocab.json", content);
    return error_message([&] { load_tokenizer(path); });
  };
  CHECK(error_message([&] { load_tokenizer(folder.file("none.json")); }) ==
        "load_tokenizer: cannot read '" + folder.file("none.json") +
            "': No such file or directory");
  CHECK(load_error("{\"format\": \"synthgrad-vocabulary\", ").find(path + ": not a vocabulary") ==
        0);
  CHECK(load_error("{\"tokens\": []}").find(path + ": not a synthgrad vocabulary file") == 0);
  const std::string start = R"({"format": "synthgrad-vocabulary", "version": 1, )";
  CHECK(load_error(start + R"("kind": "word", "tokens": ["a", "b"]})") ==
        path + ": the first tokens must be [PAD] [CLS] [SEP] [UNK] [MASK]");
  const std::string specials = R"("[PAD]", "[CLS]", "[SEP]", "[UNK]", "[MASK]")";
  CHECK(load_error(start + R"("kind": "word", "tokens": [)" + specials + R"(, "a", "a"]})") ==
        path + ": Vocabulary: token 'a' at ids 5 and 6");
  // A char vocabulary holds single characters (é is one, of two bytes).
  folder.write("vocab.json", start + R"("kind": "char", "tokens": [)" + specials + R"(, "é"]})");
  CHECK(load_tokenizer(path)->encode("é") == Ids{5});
  CHECK(load_error(start + R"("kind": "char", "tokens": [)" + specials + R"(, "é", "ab"]})") ==
        path + ": CharTokenizer: token 'ab' at id 6 is not one UTF-8 character");
  CHECK(load_error(start + R"("kind": "bpe", "tokens": [)" + specials + "]}") ==
        path + ": unknown tokenizer kind 'bpe' (expected char or word)");
  CHECK(load_error(start + R"("kind": "word", "tokens": [)" + specials + ", 7]}") ==
        path + ": token 5 is not a string: 7");
  // Fields of the wrong type are refused by name, not converted (1.5 is not version 1).
  const std::string format = R"({"format": "synthgrad-vocabulary", )";
  const std::string tokens = R"("tokens": [)" + specials + "]";
  const std::vector<std::pair<std::string, std::string>> wrong_types = {
      {R"("version": 1.5, "kind": "word", )" + tokens, "field 'version' must be an integer"},
      {R"("version": "1", "kind": "word", )" + tokens, "field 'version' must be an integer"},
      {R"("kind": "word", )" + tokens, "field 'version' must be an integer"},
      {R"("version": 1, "kind": ["word"], )" + tokens, "field 'kind' must be a string"},
      {R"("version": 1, "kind": "word", "lowercase": 1, )" + tokens,
       "field 'lowercase' must be true or false"},
      {R"("version": 1, "kind": "word", "lines": "yes", )" + tokens,
       "field 'lines' must be true or false"},
      {R"("version": 1, "kind": "word", "tokens": {"a": 5})", "field 'tokens' must be an array"},
  };
  for (const auto& [fields, expected] : wrong_types) {
    const auto& fields_value = fields;  // clang 14 cannot capture a structured binding
    CAPTURE(fields_value);
    CHECK(load_error(format + fields + "}") == path + ": " + expected);
  }
  CHECK(load_error(R"({"format": "synthgrad-vocabulary", "version": 2})")
            .find("vocabulary version 2") != std::string::npos);
  CHECK(load_error("").find(path + ": not a SentencePiece model") == 0);
}

TEST_CASE("single and pair encoding with longest-first truncation") {
  const WordTokenizer tokenizer =
      WordTokenizer::build(std::vector<std::string>{"a b c d e f g h i j"});
  // Word ids: a 5, b 6, ... (all counts 1, byte order).
  const Encoding single = encode_single(tokenizer, "a b c", 16);
  CHECK(single.ids == Ids{1, 5, 6, 7, 2});
  CHECK(single.segments == Ids{0, 0, 0, 0, 0});
  CHECK(encode_single(tokenizer, "a b c", 4).ids == Ids{1, 5, 6, 2});

  const Encoding pair = encode_pair(tokenizer, "a b", "c d e", 16);
  CHECK(pair.ids == Ids{1, 5, 6, 2, 7, 8, 9, 2});
  CHECK(pair.segments == Ids{0, 0, 0, 0, 1, 1, 1, 1});

  // 6 + 2 tokens into a budget of 8 - 3 = 5: a loses its last three, as the longer part.
  const Encoding cut = encode_pair(tokenizer, "a b c d e f", "g h", 8);
  CHECK(cut.ids == Ids{1, 5, 6, 7, 2, 11, 12, 2});
  CHECK(cut.segments == Ids{0, 0, 0, 0, 0, 1, 1, 1});
  // Equal lengths: b gives up the tie, so a keeps one more.
  CHECK(encode_pair(tokenizer, "a b c", "d e f", 8).ids == Ids{1, 5, 6, 7, 2, 8, 9, 2});
  CHECK(encode_pair(tokenizer, "a b c", "d e f", 3).ids == Ids{1, 2, 2});
  CHECK(error_message([&] { encode_pair(tokenizer, "a", "b", 2); }).find("max_length 2") !=
        std::string::npos);
}
