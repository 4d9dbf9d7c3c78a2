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
// for *.txt and *.tokens, in name order). When the files include one whose dot-separated name has
// a part "train" and one with a part "valid" (WikiText's wiki.{train,valid,test}.tokens, PTB's
// ptb.{train,valid,test}.txt or train.txt / valid.txt), those are the two parts and the rest are
// left out (the files with a part "test" are `test`); with train files but no valid file, the train
// files alone are the corpus. Otherwise the last `validation_fraction` of every file's bytes, from
// the next line start on, is held back for validation: deterministic, and without reading the
// files. Throws an sg::Error naming the path for a missing, empty or unreadable file, or a folder
// without text files.
CorpusSplit find_corpus(const std::vector<std::string>& paths, double validation_fraction = 0.1);

}  // namespace sg::data
