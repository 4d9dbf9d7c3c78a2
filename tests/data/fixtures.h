#pragma once
// Helpers of the data tests: a fresh folder for the fixture files each test writes, and the message
// of an expected sg::Error.
#include "support/error_message.h"
#include "support/temp_folder.h"
#include "synthgrad/core/error.h"
