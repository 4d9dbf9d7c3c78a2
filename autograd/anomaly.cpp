#include "synthgrad/autograd/anomaly.h"

#include <cxxabi.h>
#include <execinfo.h>

#include <cmath>
#include <cstdlib>
#include <memory>

namespace sg {

namespace {

// "binary(mangled+0x1f) [0x...]" -> the demangled function name, or the raw line.
std::string demangle_frame(const char* line) {
  std::string s(line);
  const auto open = s.find('('), plus = s.find('+', open);
  if (open == std::string::npos || plus == std::string::npos || plus == open + 1) return s;
  const std::string mangled = s.substr(open + 1, plus - open - 1);
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> name(
      abi::__cxa_demangle(mangled.c_str(), nullptr, nullptr, &status), std::free);
  return status == 0 ? name.get() : mangled;
}

bool is_internal_frame(const std::string& frame) {
  return frame.find("sg::record") != std::string::npos ||
         frame.find("sg::capture_call_stack") != std::string::npos || frame.find("std::") == 0 ||
         frame.find("__libc_start") != std::string::npos;
}

}  // namespace

std::string capture_call_stack() {
  constexpr int kMaxFrames = 24;
  void* frames[kMaxFrames];
  const int n = backtrace(frames, kMaxFrames);
  std::unique_ptr<char*, void (*)(void*)> symbols(backtrace_symbols(frames, n), std::free);
  std::string out;
  for (int i = 1; i < n && symbols; ++i) {
    std::string frame = demangle_frame(symbols.get()[i]);
    if (is_internal_frame(frame)) continue;
    out += "    at " + frame + "\n";
  }
  return out;
}

void check_finite(const Tensor& t, const char* phase, const std::string& op,
                  const std::string& created_at) {
  if (!t.defined() || t.dtype() != DType::f32) return;
  const std::vector<float> values = t.to_vector<float>();
  for (size_t i = 0; i < values.size(); ++i) {
    if (std::isfinite(values[i])) continue;
    fail(
        "anomaly: {} of op '{}' produced {} at flat index {} of a tensor of shape {}\n"
        "  the op was created\n{}",
        phase, op, std::isnan(values[i]) ? "NaN" : "Inf", i, shape_str(t.shape()),
        created_at.empty() ? "    (stack not recorded)\n" : created_at);
  }
}

}  // namespace sg
