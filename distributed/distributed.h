#pragma once
// Everything in distributed/ in one include: #include "synthgrad/distributed/distributed.h".
#include "synthgrad/distributed/communicator.h"
#include "synthgrad/distributed/gradient_averager.h"
#include "synthgrad/distributed/shard.h"
