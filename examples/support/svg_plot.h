#pragma once
// Line charts as a self-contained SVG file: no plotting program needed, opens in any browser.
#include <string>
#include <vector>

namespace sg::examples {

struct Series {
  std::string name;
  std::vector<double> x, y;
};

struct Panel {
  std::string title;
  std::string x_label;
  std::vector<Series> series;
};

// Panels side by side; NaN points are skipped. Written atomically.
void write_svg_plot(const std::string& path, const std::vector<Panel>& panels);

}  // namespace sg::examples
