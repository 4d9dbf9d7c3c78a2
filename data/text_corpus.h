#pragma once
// Where a pre-training corpus is, as users have it: one text file, several files, or folders of
// .txt (and WikiText .tokens) files. Nothing here reads more than a line per file: the text itself
// streams through a CorpusReader (corpus_reader.h).
#include <cstdint>
#include <string>
#include <vector>

namespace sg::data {

// Bytes [begin, end) of a file; begin is always the start of a line.
struct CorpusSpan {
  std::string path;
  int64_t begin = 0;
  int64_t end = 0;
};

// The whole file as a span.
CorpusSpan whole_file(const std::string& path);

struct CorpusSplit {
  std::vector<CorpusSpan> train;
  std::vector<CorpusSpan> validation;
  bool held_back = false;  // validation is the tail of the training files, not files of its own
  std::vector<CorpusSpan> test;  // the named test files, beside named train and valid files
};

// The training and validation text of `paths` (files or folders; folders are searched recursively
// for *.txt and *.tokens, in name order). Files are told apart by the parts of their dot-separated
// names (WikiText's wiki.{train,valid,test}.tokens, PTB's ptb.{train,valid,test}.txt, train.txt):
// those with a part "train" train, or, when there are none, the files named neither train, valid
// nor test; "valid" files validate; "test" files never train (they are `test`). Without a valid
// file, the last `validation_fraction` of every training file's bytes, from the next line start
// on, is held back for validation: deterministic, and without reading the files. Throws an
// sg::Error naming the path for a missing, empty or unreadable file, a folder without text files,
// or only valid and test files.
CorpusSplit find_corpus(const std::vector<std::string>& paths, double validation_fraction = 0.1);

}  // namespace sg::data
