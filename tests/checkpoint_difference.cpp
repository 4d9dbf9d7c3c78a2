// The test scripts' checkpoint comparison:
//   checkpoint_difference [--prefix P] A.safetensors B.safetensors
// prints the largest absolute difference between A's f32 tensors (those whose names begin with P)
// and B's of the same names (infinity where either holds a NaN). Exits 1, naming it, when such a
// tensor of A is missing from B or has another shape or type, when no tensor of A is named so, or,
// without --prefix, when B holds tensors A does not.
#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>

#include "synthgrad/core/core.h"

using namespace sg;

namespace {

std::map<std::string, Tensor> tensors_of(const std::string& path) {
  std::map<std::string, Tensor> out;
  for (auto& [name, tensor] : load_safetensors(path).tensors) out.emplace(name, tensor);
  return out;
}

double largest_difference(const std::string& prefix, const std::map<std::string, Tensor>& a,
                          const std::map<std::string, Tensor>& b) {
  double largest = 0.0;
  int64_t compared = 0;
  for (const auto& [name, x] : a) {
    if (!name.starts_with(prefix)) continue;
    const auto it = b.find(name);
    SG_CHECK(it != b.end(), "'{}' is in the first checkpoint only", name);
    const Tensor& y = it->second;
    SG_CHECK(x.shape() == y.shape() && x.dtype() == y.dtype(), "'{}' differs in shape or type",
             name);
    ++compared;
    if (x.dtype() != DType::f32) continue;
    const std::vector<float> u = x.to_vector<float>(), v = y.to_vector<float>();
    for (size_t i = 0; i < u.size(); ++i) {
      const double difference = std::abs(static_cast<double>(u[i]) - v[i]);
      if (std::isnan(difference)) return INFINITY;  // a NaN is never close to anything
      largest = std::max(largest, difference);
    }
  }
  SG_CHECK(compared > 0, "no tensor of the first checkpoint is named '{}...'", prefix);
  SG_CHECK(!prefix.empty() || a.size() == b.size(), "the checkpoints hold {} and {} tensors",
           a.size(), b.size());
  return largest;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  const bool prefixed = args.size() == 4 && args[0] == "--prefix";
  if (args.size() != 2 && !prefixed) {
    fmt::print(stderr, "usage: checkpoint_difference [--prefix P] A.safetensors B.safetensors\n");
    return 2;
  }
  try {
    const size_t first = prefixed ? 2 : 0;
    fmt::print("{:.3g}\n", largest_difference(prefixed ? args[1] : "", tensors_of(args[first]),
                                              tensors_of(args[first + 1])));
    return 0;
  } catch (const std::exception& e) {
    fmt::print(stderr, "checkpoint_difference: {}\n", e.what());
    return 1;
  }
}
