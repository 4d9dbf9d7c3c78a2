#pragma once
// The whole public API in one include: #include <synthgrad/synthgrad.h>. Each folder also has its
// own umbrella (synthgrad/nn/nn.h, ...) and every public header can be included alone.
#include "synthgrad/autograd/autograd.h"
#include "synthgrad/core/core.h"
#include "synthgrad/data/data.h"
#include "synthgrad/distributed/distributed.h"
#include "synthgrad/models/models.h"
#include "synthgrad/nn/nn.h"
#include "synthgrad/optim/optim.h"
#include "synthgrad/version.h"
