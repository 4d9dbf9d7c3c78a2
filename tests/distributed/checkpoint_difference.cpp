// The test helper of the data-parallel program checks:
//   checkpoint_difference A.safetensors B.safetensors
// prints the largest absolute difference between the two files' f32 tensors of the same name
// (infinity where either holds a NaN), and exits 1, naming it, when a tensor of one is missing from
// the other or has another shape or type.
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

double largest_difference(const std::map<std::string, Tensor>& a,
                          const std::map<std::string, Tensor>& b) {
  double largest = 0.0;
  for (const auto& [name, x] : a) {
    const auto it = b.find(name);
    SG_CHECK(it != b.end(), "'{}' is in one checkpoint only", name);
    const Tensor& y = it->second;
    SG_CHECK(x.shape() == y.shape() && x.dtype() == y.dtype(), "'{}' differs in shape or type",
             name);
    if (x.dtype() != DType::f32) continue;
    const std::vector<float> u = x.to_vector<float>(), v = y.to_vector<float>();
    for (size_t i = 0; i < u.size(); ++i) {
      const double difference = std::abs(static_cast<double>(u[i]) - v[i]);
      if (std::isnan(difference)) return INFINITY;  // a NaN is never close to anything
      largest = std::max(largest, difference);
    }
  }
  SG_CHECK(a.size() == b.size(), "the checkpoints hold {} and {} tensors", a.size(), b.size());
  return largest;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    fmt::print(stderr, "usage: checkpoint_difference A.safetensors B.safetensors\n");
    return 2;
  }
  try {
    fmt::print("{:.3g}\n", largest_difference(tensors_of(argv[1]), tensors_of(argv[2])));
    return 0;
  } catch (const std::exception& e) {
    fmt::print(stderr, "checkpoint_difference: {}\n", e.what());
    return 1;
  }
}
