#pragma once
// How every test executable reads the text of an error.
#include <string>

#include "synthgrad/core/error.h"

namespace sg::testing {

// The message of the sg::Error that f throws, or a marker that fails every equality or substring
// check a test makes against a real message.
template <class F>
std::string error_message(const F& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "<no sg::Error thrown>";
}

}  // namespace sg::testing
