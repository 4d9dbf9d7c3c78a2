#pragma once
// Everything in models/ in one include: #include "synthgrad/models/models.h".
#include "synthgrad/models/causal_lm.h"
#include "synthgrad/models/checkpoint.h"
#include "synthgrad/models/config.h"
#include "synthgrad/models/encoder_classifier.h"
#include "synthgrad/models/layer_mix.h"
#include "synthgrad/models/masked_lm.h"
#include "synthgrad/models/mlm_head.h"
#include "synthgrad/models/pretrained_trunk.h"
#include "synthgrad/models/replaced_token_detector.h"
#include "synthgrad/models/skipgram.h"
#include "synthgrad/models/trunk.h"
