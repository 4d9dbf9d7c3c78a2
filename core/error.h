#pragma once
// User errors surface as sg::Error exceptions whose message names the operation and the operands.
#include <fmt/format.h>

#include <stdexcept>
#include <string>

namespace sg {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

template <class... Args>
[[noreturn]] void fail(fmt::format_string<Args...> format, Args&&... args) {
  throw Error(fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace sg

// SG_CHECK(condition, "op: message {}", args...) throws sg::Error when condition is false.
#define SG_CHECK(condition, ...)               \
  do {                                         \
    if (!(condition)) ::sg::fail(__VA_ARGS__); \
  } while (0)
