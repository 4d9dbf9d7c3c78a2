#pragma once
// Training curves as a self-contained SVG file: no plotting program needed, opens in any browser.
// A noisy per-step series is drawn faint with its smoothed curve over it, an evaluation series as
// markers joined by a line with its best point labelled; both axes get round tick values and grid
// lines.
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace sg::examples {

enum class SeriesStyle {
  Auto,            // Markers up to 40 points (an evaluation series), RawAndSmoothed above
  Line,            // a plain line through every point
  RawAndSmoothed,  // the raw points faint, their smoothed curve over them
  Markers,         // a circle at every point, joined by a line
};

// Which end of the metric is good, for marking the best point; None marks no point.
enum class Best { None, Higher, Lower };

struct Series {
  std::string name;
  std::vector<double> x, y;
  SeriesStyle style = SeriesStyle::Auto;
  Best best = Best::None;
};

struct Panel {
  std::string title;
  std::string x_label;
  std::vector<Series> series;
  // The title when empty. The initialiser lets {title, x_label, series} leave it out without a
  // missing-initialiser warning.
  std::string y_label = {};
};

// Panels side by side; non-finite points are skipped. Written atomically.
void write_svg_plot(const std::string& path, const std::vector<Panel>& panels);

// The SVG text write_svg_plot writes.
std::string svg_plot(const std::vector<Panel>& panels);

// --- The pieces of a chart, exposed for their tests. ---

// The style `series` is drawn in: Auto resolved by its number of points.
SeriesStyle resolved_style(const Series& series);

// A centred exponential average: s_t = sum_i w^|t-i| y_i / sum_i w^|t-i|. Centred, it does not lag
// behind a falling loss as a running average does; normalised, its first and last points are not
// pulled towards 0. Needs finite values.
std::vector<double> smooth(const std::vector<double>& y, double weight);

// The smoothing weight for a series of `points` points: an average over about 1/30 of them.
double smoothing_weight(std::size_t points);

struct AxisRange {
  double lo, hi;
};

// The x range of every finite point.
AxisRange x_range(const Panel& panel);

// The y range, padded: marker and line series whole, a smoothed series by its smoothed curve cut to
// the 2nd..98th percentile of its raw points, so that a spike does not squash the curve (the raw
// points outside are clipped at the frame).
AxisRange y_range(const Panel& panel);

struct Ticks {
  std::vector<double> values;
  double step;
};

// Round tick values in [lo, hi]: multiples of a step of 1, 2, 2.5 or 5 x 10^k, the step giving the
// count nearest `target` (the larger step on a tie). Needs lo < hi, both finite.
Ticks nice_ticks(double lo, double hi, int target = 5);

// `value` with as many decimals as the tick step `step` needs: 0.05 (not 0.050000), 1500, 0.0005.
std::string format_tick(double value, double step);

// A value read off an axis of tick step `step`: two decimals finer, less trailing zeros (0.8735,
// 0.81, 10, 1500).
std::string format_value(double value, double step);

// The index of the best finite point of `series`, the earliest of equals; none if series.best is
// None or no point is finite.
std::optional<std::size_t> best_index(const Series& series);

}  // namespace sg::examples
