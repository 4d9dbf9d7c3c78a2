#pragma once
// Everything in optim/ in one include: #include "optim/optim.h".
#include "optim/adam.h"
#include "optim/clip.h"
#include "optim/optimizer.h"
#include "optim/schedule.h"
#include "optim/sgd.h"
