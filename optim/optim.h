#pragma once
// Everything in optim/ in one include: #include "synthgrad/optim/optim.h".
#include "synthgrad/optim/adam.h"
#include "synthgrad/optim/clip.h"
#include "synthgrad/optim/optimizer.h"
#include "synthgrad/optim/schedule.h"
#include "synthgrad/optim/sgd.h"
