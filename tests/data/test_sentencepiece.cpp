#include <doctest/doctest.h>

#include <algorithm>

#include "fixtures.h"
#include "synthgrad/data/encoding.h"
#include "synthgrad/data/files.h"
#include "synthgrad/data/sentencepiece_tokenizer.h"

using namespace sg;
using namespace sg::data;
using sg::testing::error_message;
using sg::testing::TempFolder;

namespace {

using Ids = std::vector<int64_t>;

// A small corpus of SST-2-like sentences, enough for a unigram model of about a hundred pieces.
const std::vector<std::string> kCorpus = {
    "a gorgeous , witty , seductive movie .",
    "the film is strictly routine .",
    "it 's a charming and often affecting journey .",
    "unflinchingly bleak and desperate",
    "allows us to hope that nolan is poised to embark a major career as a commercial yet "
    "inventive filmmaker .",
    "the acting , costumes , music , cinematography and sound are all astounding given the "
    "production 's austere locales .",
    "it 's slow -- very , very slow .",
    "although laced with humor and a few fanciful touches , the film is a refreshingly serious "
    "look at young women .",
    "a sometimes tedious film .",
    "or doing last year 's taxes with your ex-wife .",
    "you do n't have to know about music to appreciate the film 's easygoing blend of comedy and "
    "romance .",
    "in exactly 89 minutes , most of which passed as slowly as if i 'd been sitting naked on an "
    "igloo , formula 51 sank from quirky to jerky to utter turkey .",
    "the mesmerizing performances of the leads keep the film grounded and keep the audience "
    "riveted .",
    "it takes a strange kind of laziness to waste the talents of robert forster , anne meara , "
    "eugene levy , and reginald veljohnson all in the same movie .",
    "the film suffers from a lack of humor ( something needed to balance out the violence ) .",
    "we root for ( clara and paul ) , even like them , though perhaps it 's an emotion closer to "
    "pity .",
    "even horror fans will most likely not find what they 're seeking with trouble every day ; "
    "the movie lacks both thrills and humor .",
    "a gorgeous , high-spirited musical from india that exquisitely blends music , dance , song , "
    "and high drama .",
    "the emotions are raw and will strike a nerve with anyone who 's ever had family trauma .",
    "audrey tatou has a knack for picking roles that magnify her outrageous charm , and in this "
    "literate french comedy , she 's as morning-glory exuberant as she was in amélie .",
};

}  // namespace

TEST_CASE("SentencePiece: train a unigram model in memory, encode and decode") {
  const SentencePieceTokenizer tokenizer =
      SentencePieceTokenizer::train(kCorpus, {.vocab_size = 120});
  CHECK(tokenizer.kind() == "sentencepiece");
  CHECK(tokenizer.vocab_size() > kNumSpecialTokens);
  CHECK(tokenizer.vocab_size() <= 120);
  for (int64_t id = 0; id < kNumSpecialTokens; ++id)
    CHECK(tokenizer.token(id) == kSpecialTokenNames[static_cast<size_t>(id)]);

  for (const std::string& sentence : kCorpus) {
    const Ids ids = tokenizer.encode(sentence);
    CHECK(std::none_of(ids.begin(), ids.end(), is_special_id));
    CHECK(tokenizer.decode(ids) == sentence);
  }
  const Ids unknown = tokenizer.encode("film ☃");  // a character never seen in training
  CHECK(unknown.back() == special_id(Special::unk));
  CHECK(tokenizer.decode(unknown) == "film [UNK]");
  // Special-token names in text are text, not the special ids.
  const Ids cls_text = tokenizer.encode("[CLS]");
  CHECK(std::find(cls_text.begin(), cls_text.end(), special_id(Special::cls)) == cls_text.end());

  const Encoding pair = encode_pair(tokenizer, "the film", "a movie", 64);
  CHECK(pair.ids.front() == special_id(Special::cls));
  CHECK(tokenizer.decode(pair.ids) == "[CLS] the film [SEP] a movie [SEP]");
  CHECK(tokenizer.decode(pair.ids, true) == "the film a movie");
}

TEST_CASE("SentencePiece: learns from lines longer than its sentence limit, one paragraph each") {
  // Every line far over SentencePiece's 4192 bytes: it skipped them all and failed with
  // "!sentences_.empty()". Served in pieces, they train a model that encodes them back exactly.
  std::vector<std::string> paragraphs;
  for (size_t p = 0; p < 4; ++p) {
    std::string paragraph;
    for (int repeat = 0; repeat < 30; ++repeat)
      for (size_t k = p; k < kCorpus.size(); k += 2) paragraph += kCorpus[k] + " ";
    paragraphs.push_back(paragraph);
  }
  REQUIRE(paragraphs[0].size() > 3 * 4192);
  const SentencePieceTokenizer tokenizer =
      SentencePieceTokenizer::train(paragraphs, {.vocab_size = 120});
  CHECK(tokenizer.vocab_size() > 60);  // pieces learnt from the text, not only characters
  const std::string line = kCorpus[2];
  CHECK(tokenizer.decode(tokenizer.encode(line)) == line);
}

TEST_CASE(
    "SentencePiece: training pieces are at most the limit, cut after a blank or between "
    "characters") {
  CHECK(training_piece_length("short", 8) == 5);
  CHECK(training_piece_length("aaaa bbbb cccc", 8) == 5);  // after the blank
  CHECK(training_piece_length("aaaaaaa\tbb", 8) == 8);     // the blank is the 8th byte
  CHECK(training_piece_length("aaaaaa\xc3\xa9"
                              "bb",
                              7) == 6);  // not inside the 2-byte é
  CHECK(training_piece_length("aaaaaaaaaaaa", 8) == 8);
  // Any text falls into pieces that fit and put it back together.
  std::string text;
  for (int k = 0; k < 3000; ++k) text += k % 7 == 0 ? "caf\xc3\xa9 " : "\xe2\x82\xacxyz";
  std::string joined;
  for (std::string_view rest = text; !rest.empty();) {
    const size_t length = training_piece_length(rest);
    REQUIRE(length >= 1);
    CHECK(length <= kMaxTrainingPieceBytes);
    CHECK((length == rest.size() || (static_cast<unsigned char>(rest[length]) & 0xC0) != 0x80));
    joined += rest.substr(0, length);
    rest.remove_prefix(length);
  }
  CHECK(joined == text);
}

TEST_CASE("SentencePiece: save beside a checkpoint and reload") {
  TempFolder folder;
  const SentencePieceTokenizer trained =
      SentencePieceTokenizer::train(kCorpus, {.vocab_size = 100});
  const std::string path = tokenizer_path_beside(folder.file("step_100.safetensors"));
  trained.save(path);
  const auto loaded = load_tokenizer(path);
  CHECK(loaded->kind() == "sentencepiece");
  CHECK(loaded->vocab_size() == trained.vocab_size());
  for (const std::string& sentence : kCorpus)
    CHECK(loaded->encode(sentence) == trained.encode(sentence));

  // Training again on the same sentences gives the same model.
  CHECK(SentencePieceTokenizer::train(kCorpus, {.vocab_size = 100}).encode(kCorpus[5]) ==
        trained.encode(kCorpus[5]));

  folder.write("bad.model", std::string("\x0a\x05garbage", 9));
  CHECK(error_message([&] {
          load_tokenizer(folder.file("bad.model"));
        }).find(folder.file("bad.model") + ": not a SentencePiece model") == 0);
}

TEST_CASE("SentencePiece: line breaks survive encode and decode, also after reloading") {
  TempFolder folder;
  const SentencePieceTokenizer trained =
      SentencePieceTokenizer::train(kCorpus, {.vocab_size = 120});
  trained.save(folder.file("lines.tokenizer"));
  const auto loaded = load_tokenizer(folder.file("lines.tokenizer"));
  const std::string text = "\nthe film is strictly routine .\na sometimes tedious film .\n\nfilm\n";
  for (const Tokenizer* tokenizer : std::vector<const Tokenizer*>{&trained, loaded.get()}) {
    const Ids ids = tokenizer->encode(text);
    CHECK(tokenizer->decode(ids) == text);
    // Each line break is one token of its own, so a language model can predict it.
    const auto breaks = std::count_if(ids.begin(), ids.end(),
                                      [&](int64_t id) { return tokenizer->token(id) == "\n"; });
    CHECK(breaks == 5);
    CHECK(tokenizer->decode(tokenizer->encode("\n")) == "\n");
  }
  // Lines are encoded as they were without line breaks.
  CHECK(trained.encode(kCorpus[0] + "\n" + kCorpus[1]).size() ==
        trained.encode(kCorpus[0]).size() + 1 + trained.encode(kCorpus[1]).size());
}

TEST_CASE("SentencePiece: a model without the line-break piece is refused") {
  TempFolder folder;
  SentencePieceTokenizer::train(kCorpus, {.vocab_size = 100}).save(folder.file("new.model"));
  std::string model = read_text_file(folder.file("new.model"), "test");
  // The serialized piece "\n" (field 1) with score 0 (field 2) and type USER_DEFINED (field 3 = 4);
  // renamed "\x01", the model has no line-break piece, like one trained before it was added.
  const std::string line_break_piece("\x0a\x01\x0a\x15\0\0\0\0\x18\x04", 10);
  const size_t at = model.find(line_break_piece);
  REQUIRE(at != std::string::npos);
  model[at + 2] = '\x01';
  const std::string path = folder.write("old.model", model);
  CHECK(error_message([&] { load_tokenizer(path); }) ==
        path +
            ": a SentencePiece model without a line-break piece; train it with "
            "SentencePieceTokenizer::train");
}

TEST_CASE("SentencePiece: bad training options") {
  CHECK(error_message([] {
          SentencePieceTokenizer::train(kCorpus, {.model_type = "word piece"});
        }).find("model_type 'word piece'") != std::string::npos);
  CHECK(error_message([] { SentencePieceTokenizer::train({}, {}); }) ==
        "SentencePieceTokenizer::train: no sentences");
}

namespace {

// One entry of a SentencePiece ModelProto, encoded by hand: field 1 (pieces) holding the piece
// text (field 1), a zero score (field 2, fixed32) and its type (field 3: 1 normal, 2 unknown,
// 3 control).
std::string model_piece(const std::string& text, char type) {
  const std::string entry = std::string("\x0a") + static_cast<char>(text.size()) + text +
                            std::string("\x15\0\0\0\0", 5) + "\x18" + type;
  return std::string("\x0a") + static_cast<char>(entry.size()) + entry;
}

// [PAD] [CLS] [SEP] [UNK] [MASK] a b and the line-break piece (type 4: user-defined), with [CLS]
// of type `cls_type`.
std::string hand_built_model(char cls_type) {
  return model_piece("[PAD]", 3) + model_piece("[CLS]", cls_type) + model_piece("[SEP]", 3) +
         model_piece("[UNK]", 2) + model_piece("[MASK]", 3) + model_piece("a", 1) +
         model_piece("b", 1) + model_piece("\n", 4);
}

}  // namespace

TEST_CASE("SentencePiece: a model whose special pieces text could produce is refused") {
  TempFolder folder;
  // The well-formed model loads (the hand encoding is right), and "[CLS]" in a text stays text.
  folder.write("good.model", hand_built_model(3));
  const auto good = load_tokenizer(folder.file("good.model"));
  CHECK(good->vocab_size() == 8);
  const Ids ids = good->encode("ab[CLS]");
  CHECK(std::find(ids.begin(), ids.end(), 5) != ids.end());  // "a"
  CHECK(std::find(ids.begin(), ids.end(), special_id(Special::cls)) == ids.end());
  const std::string path = folder.write("bad.model", hand_built_model(1));
  CHECK(error_message([&] { load_tokenizer(path); }) ==
        path +
            ": SentencePiece piece [CLS] at id 1 is an ordinary piece, not a control symbol, so "
            "text could produce it");
}

// Found by fuzzing: SentencePiece's trie takes a piece holding a NUL byte for an empty key and
// throws an exception of its own, which escaped as neither a status nor an sg::Error.
TEST_CASE("SentencePiece: a model with a NUL piece is an error naming the file, not a crash") {
  const std::string model = hand_built_model(3) + model_piece(std::string(1, '\0'), 1);
  CHECK(error_message([&] {
          SentencePieceTokenizer::from_model(model, "nul.model");
        }).find("nul.model: not a SentencePiece model") != std::string::npos);
}
