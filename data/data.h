#pragma once
// Everything in data/ in one include: #include "data/data.h".
#include "data/batching.h"
#include "data/char_tokenizer.h"
#include "data/encoding.h"
#include "data/files.h"
#include "data/glue_reader.h"
#include "data/glue_tasks.h"
#include "data/lm_stream.h"
#include "data/metrics.h"
#include "data/sentencepiece_tokenizer.h"
#include "data/tokenizer.h"
#include "data/word_tokenizer.h"
