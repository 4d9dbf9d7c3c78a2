#include "examples/support/svg_plot.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/atomic_file.h"

namespace sg::examples {

namespace {

constexpr double kWidth = 480, kHeight = 320, kMargin = 50;
constexpr const char* kColours[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"};

struct Range {
  double lo = std::numeric_limits<double>::infinity(),
         hi = -std::numeric_limits<double>::infinity();
  void add(double v) {
    if (std::isnan(v)) return;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  double scale(double v, double from, double to) const {
    const double span = hi > lo ? hi - lo : 1.0;
    return from + (v - lo) / span * (to - from);
  }
};

std::string panel_svg(const Panel& panel, double left) {
  Range xr, yr;
  for (const auto& s : panel.series) {
    for (double v : s.x) xr.add(v);
    for (double v : s.y) yr.add(v);
  }
  const double x0 = left + kMargin, x1 = left + kWidth - 10, y0 = kHeight - kMargin, y1 = 30;
  std::string out = fmt::format(
      "<text x='{}' y='18' font-size='14' text-anchor='middle'>{}</text>\n"
      "<rect x='{}' y='{}' width='{}' height='{}' fill='none' stroke='#888'/>\n"
      "<text x='{}' y='{}' font-size='11' text-anchor='middle'>{}</text>\n",
      (x0 + x1) / 2, panel.title, x0, y1, x1 - x0, y0 - y1, (x0 + x1) / 2, kHeight - 12,
      panel.x_label);
  if (xr.lo <= xr.hi) {
    out += fmt::format("<text x='{}' y='{}' font-size='10' text-anchor='end'>{:.4g}</text>\n",
                       x0 - 4, y0, yr.lo);
    out += fmt::format("<text x='{}' y='{}' font-size='10' text-anchor='end'>{:.4g}</text>\n",
                       x0 - 4, y1 + 10, yr.hi);
    out += fmt::format("<text x='{}' y='{}' font-size='10'>{:.4g}</text>\n", x0, y0 + 14, xr.lo);
    out += fmt::format("<text x='{}' y='{}' font-size='10' text-anchor='end'>{:.4g}</text>\n", x1,
                       y0 + 14, xr.hi);
  }
  for (size_t i = 0; i < panel.series.size(); ++i) {
    const Series& s = panel.series[i];
    const char* colour = kColours[i % std::size(kColours)];
    std::string points;
    for (size_t k = 0; k < std::min(s.x.size(), s.y.size()); ++k)
      if (!std::isnan(s.x[k]) && !std::isnan(s.y[k]))
        points += fmt::format("{:.1f},{:.1f} ", xr.scale(s.x[k], x0, x1), yr.scale(s.y[k], y0, y1));
    out += fmt::format("<polyline fill='none' stroke='{}' stroke-width='1.5' points='{}'/>\n",
                       colour, points);
    out += fmt::format("<text x='{}' y='{}' font-size='11' fill='{}'>{}</text>\n", x0 + 8,
                       y1 + 16 + 14 * i, colour, s.name);
  }
  return out;
}

}  // namespace

void write_svg_plot(const std::string& path, const std::vector<Panel>& panels) {
  std::string svg = fmt::format(
      "<svg xmlns='http://www.w3.org/2000/svg' width='{}' height='{}' font-family='sans-serif'>\n"
      "<rect width='100%' height='100%' fill='white'/>\n",
      kWidth * static_cast<double>(panels.size()), kHeight);
  for (size_t i = 0; i < panels.size(); ++i)
    svg += panel_svg(panels[i], kWidth * static_cast<double>(i));
  svg += "</svg>\n";
  AtomicFile file(path);
  file.write(svg.data(), svg.size());
  file.commit();
}

}  // namespace sg::examples
