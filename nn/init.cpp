#include "synthgrad/nn/init.h"

#include <cmath>

namespace sg::nn {

namespace {

std::pair<int64_t, int64_t> fans(const Shape& shape, const char* op) {
  SG_CHECK(shape.size() >= 2, "{}: needs a weight of rank >= 2, got {}", op, shape_str(shape));
  // The trailing axes' product; numel / (out * in) would divide by zero for an empty axis.
  const int64_t receptive = numel_of(Shape(shape.begin() + 2, shape.end()));
  return {shape[1] * receptive, shape[0] * receptive};
}

Tensor symmetric_uniform(const Shape& shape, double bound, Generator& gen) {
  return rand_uniform(shape, gen, static_cast<float>(-bound), static_cast<float>(bound));
}

}  // namespace

Tensor normal(const Shape& shape, float stddev, Generator& gen) {
  return randn(shape, gen, 0.0f, stddev);
}

Tensor xavier_uniform(const Shape& shape, Generator& gen) {
  auto [fan_in, fan_out] = fans(shape, "xavier_uniform");
  return symmetric_uniform(shape, std::sqrt(6.0 / static_cast<double>(fan_in + fan_out)), gen);
}

Tensor kaiming_uniform(const Shape& shape, Generator& gen) {
  auto [fan_in, fan_out] = fans(shape, "kaiming_uniform");
  return symmetric_uniform(shape, std::sqrt(6.0 / static_cast<double>(fan_in)), gen);
}

Tensor init_weight(const Shape& shape, Init init, Generator& gen) {
  switch (init) {
    case Init::xavier_uniform: return xavier_uniform(shape, gen);
    case Init::kaiming_uniform: return kaiming_uniform(shape, gen);
    case Init::normal_002: break;
  }
  return normal(shape, 0.02f, gen);
}

}  // namespace sg::nn
