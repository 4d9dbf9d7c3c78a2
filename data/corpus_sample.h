#pragma once
// A bounded sample of a corpus's lines, for learning a tokenizer: a corpus much larger than memory
// is never read through, yet the sample comes from all over it rather than from its first pages.
#include <cstdint>
#include <string>
#include <vector>

#include "synthgrad/data/text_corpus.h"

namespace sg::data {

// The non-blank lines of `spans` when they hold at most `budget_bytes`; otherwise whole lines from
// `slices` evenly spaced places of the spans (each from the first line start at or after its place)
// until each slice has given budget_bytes / slices bytes. Deterministic; throws an sg::Error naming
// the file for a read error or text that is not UTF-8.
std::vector<std::string> sample_lines(const std::vector<CorpusSpan>& spans, int64_t budget_bytes,
                                      int64_t slices = 64);

}  // namespace sg::data
