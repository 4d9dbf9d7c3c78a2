#pragma once
// fmt::format("{}", tensor): dtype, shape and values, NumPy-style, abbreviated with "..." when
// large.
#include <fmt/format.h>

#include <ostream>
#include <string>

#include "synthgrad/core/tensor.h"

namespace sg {

std::string to_string(const Tensor& t);
inline std::ostream& operator<<(std::ostream& os, const Tensor& t) {
  return os << to_string(t);
}

}  // namespace sg

template <>
struct fmt::formatter<sg::Tensor> : fmt::formatter<std::string> {
  template <class Context>
  auto format(const sg::Tensor& t, Context& ctx) const {
    return fmt::formatter<std::string>::format(sg::to_string(t), ctx);
  }
};
