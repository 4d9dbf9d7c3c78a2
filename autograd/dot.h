#pragma once
#include <string>

#include "synthgrad/autograd/variable.h"

namespace sg {

// The graph behind `output` in Graphviz DOT: boxes are ops labelled with their output shapes,
// ellipses are leaves (named when set_name was used), edges follow the data.
std::string to_dot(const Variable& output);

}  // namespace sg
