#include "synthgrad/core/format.h"

namespace sg {

namespace {

constexpr int64_t kSummariseAbove = 1000;  // elements; larger tensors show edges only
constexpr int64_t kEdgeItems = 3;

struct Printer {
  const Tensor& t;
  bool summarise;
  std::string out;

  void element(int64_t offset) {
    visit_dtype(t.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T v = t.data<T>()[offset - t.offset()];
      if constexpr (std::is_same_v<T, float>)
        out += fmt::format("{:.4g}", v);
      else
        out += fmt::format("{}", static_cast<int64_t>(v));
    });
  }

  void axis(int64_t d, int64_t offset) {
    if (d == t.dim()) return element(offset);
    out += '[';
    const int64_t n = t.size(d);
    for (int64_t i = 0; i < n; ++i) {
      if (summarise && n > 2 * kEdgeItems && i == kEdgeItems) {
        out += d + 1 == t.dim() ? "..., " : "...,\n" + std::string(d + 1, ' ');
        i = n - kEdgeItems;
      }
      axis(d + 1, offset + i * t.strides()[d]);
      if (i + 1 < n) out += d + 1 == t.dim() ? ", " : ",\n" + std::string(d + 1, ' ');
    }
    out += ']';
  }
};

}  // namespace

std::string to_string(const Tensor& t) {
  if (!t.defined()) return "Tensor(undefined)";
  Printer p{t, t.numel() > kSummariseAbove, {}};
  p.axis(0, t.offset());
  return fmt::format("Tensor({}, shape={}, dtype={})", p.out, shape_str(t.shape()),
                     dtype_name(t.dtype()));
}

}  // namespace sg
