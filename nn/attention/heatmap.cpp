#include "synthgrad/nn/attention/heatmap.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "synthgrad/core/atomic_file.h"
#include "synthgrad/core/error.h"

namespace sg::nn {

void write_attention_heatmap(const Tensor& probs, const std::string& path, int64_t scale) {
  SG_CHECK(probs.defined() && probs.dtype() == DType::f32 && probs.dim() == 3 &&
               probs.size(1) == probs.size(2) && probs.size(0) > 0 && probs.size(1) > 0,
           "write_attention_heatmap: expected f32 [heads, L, L] with heads and L > 0, got {}",
           probs.defined() ? shape_str(probs.shape()) : "undefined");
  SG_CHECK(scale >= 1 && scale <= 64, "write_attention_heatmap: scale {} is outside [1, 64]",
           scale);
  const int64_t heads = probs.size(0), length = probs.size(1), gap = 2;
  const int64_t tile = length * scale;
  const int64_t width = heads * tile + (heads - 1) * gap, height = tile;
  std::vector<unsigned char> pixels(width * height, 64);  // grey gaps between tiles
  const std::vector<float> p = probs.to_vector<float>();
  // A NaN peak would blacken the whole tile, and casting NaN to a pixel is undefined behaviour.
  const auto bad = std::find_if(p.begin(), p.end(), [](float v) { return !std::isfinite(v); });
  if (bad != p.end()) {
    const int64_t at = bad - p.begin();
    fail("write_attention_heatmap: probability {} at head {}, row {}, column {} is not finite",
         *bad, at / (length * length), at / length % length, at % length);
  }
  for (int64_t h = 0; h < heads; ++h) {
    const float* head = p.data() + h * length * length;
    const float peak = std::max(*std::max_element(head, head + length * length), 1e-12f);
    for (int64_t y = 0; y < height; ++y)
      for (int64_t x = 0; x < tile; ++x) {
        const float v = head[(y / scale) * length + x / scale] / peak;
        pixels[y * width + h * (tile + gap) + x] =
            static_cast<unsigned char>(std::clamp(v, 0.0f, 1.0f) * 255.0f);
      }
  }
  const std::string header = fmt::format("P5\n{} {}\n255\n", width, height);
  AtomicFile file(path);
  file.write(header.data(), header.size());
  file.write(pixels.data(), pixels.size());
  file.commit();
}

}  // namespace sg::nn
