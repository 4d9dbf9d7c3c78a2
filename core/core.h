#pragma once
// Everything in core/ in one include: #include "core/core.h".
#include "core/blas.h"
#include "core/creation.h"
#include "core/elementwise.h"
#include "core/format.h"
#include "core/indexing.h"
#include "core/matmul.h"
#include "core/normalization.h"
#include "core/parallel.h"
#include "core/random.h"
#include "core/reduce.h"
#include "core/softmax.h"
#include "core/tensor.h"
