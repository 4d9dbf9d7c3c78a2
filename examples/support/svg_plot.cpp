#include "examples/support/svg_plot.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "synthgrad/core/atomic_file.h"
#include "synthgrad/core/error.h"

namespace sg::examples {

namespace {

// Panel geometry in pixels: the frame sits inside a panel with room for the title and legend above
// it and the tick labels and axis labels left of and below it.
constexpr double kWidth = 520, kHeight = 340;
constexpr double kFrameLeft = 66, kFrameRight = 16, kFrameTop = 52, kFrameBottom = 44;
constexpr double kYPadding = 0.05;        // of the y span, so curves do not run along the frame
constexpr std::size_t kMaxMarkers = 40;   // Auto draws markers up to this many points
constexpr double kClipPercentile = 0.02;  // raw points beyond it do not widen the y range
constexpr const char* kGridStroke = "stroke='#e4e4e4'";
constexpr const char* kColours[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"};

struct Points {
  std::vector<double> x, y;
};

Points finite_points(const Series& series) {
  Points points;
  for (std::size_t i = 0; i < std::min(series.x.size(), series.y.size()); ++i)
    if (std::isfinite(series.x[i]) && std::isfinite(series.y[i])) {
      points.x.push_back(series.x[i]);
      points.y.push_back(series.y[i]);
    }
  return points;
}

std::vector<double> smoothed(const Points& points) {
  return smooth(points.y, smoothing_weight(points.y.size()));
}

struct Extent {
  double lo = std::numeric_limits<double>::infinity();
  double hi = -std::numeric_limits<double>::infinity();
  void add(double v) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  // Widened by `padding` of the span on each side; a single value or none gets a span of its own.
  AxisRange padded(double padding) const {
    if (lo > hi) return {0, 1};
    const double span = hi > lo ? hi - lo : (lo == 0 ? 2 : std::abs(lo) * 0.2);
    const double pad = hi > lo ? span * padding : span / 2;
    return {lo - pad, hi + pad};
  }
};

// sum_{i <= t} w^(t-i) v_i for every t, in the order of [first, last).
template <class Iterator>
std::vector<double> decayed_sums(Iterator first, Iterator last, double weight) {
  std::vector<double> sums;
  double running = 0;
  for (; first != last; ++first) sums.push_back(running = weight * running + *first);
  return sums;
}

double percentile(std::vector<double> values, double p) {
  std::sort(values.begin(), values.end());
  return values[static_cast<std::size_t>(std::lround(p * static_cast<double>(values.size() - 1)))];
}

// m x 10^k as the double nearest the decimal value (0.1 x 3 gives 0.3, not 0.30000000000000004).
double decimal(double m, int k) {
  return k >= 0 ? m * std::pow(10.0, k) : m / std::pow(10.0, -k);
}

// Names and labels as element content: '&', '<' and '>' escaped.
std::string escaped(const std::string& text) {
  std::string out;
  for (char c : text)
    out += c == '&' ? "&amp;" : c == '<' ? "&lt;" : c == '>' ? "&gt;" : std::string(1, c);
  return out;
}

// Where data coordinates land in the panel.
struct Frame {
  AxisRange x, y;
  double left, right, top, bottom;
  double px(double v) const { return left + (v - x.lo) / (x.hi - x.lo) * (right - left); }
  double py(double v) const { return bottom - (v - y.lo) / (y.hi - y.lo) * (bottom - top); }
};

std::string polyline(const Frame& frame, const std::vector<double>& x, const std::vector<double>& y,
                     const std::string& attributes) {
  std::string points;
  for (std::size_t i = 0; i < x.size(); ++i)
    points += fmt::format("{:.1f},{:.1f} ", frame.px(x[i]), frame.py(y[i]));
  return fmt::format("<polyline fill='none' points='{}' {}/>\n", points, attributes);
}

std::string line(double x1, double y1, double x2, double y2, const std::string& attributes) {
  return fmt::format("<line x1='{:.1f}' y1='{:.1f}' x2='{:.1f}' y2='{:.1f}' {}/>\n", x1, y1, x2, y2,
                     attributes);
}

std::string circle(double cx, double cy, double r, const std::string& attributes) {
  return fmt::format("<circle cx='{:.1f}' cy='{:.1f}' r='{}' {}/>\n", cx, cy, r, attributes);
}

std::string text(double x, double y, const std::string& content, const std::string& attributes) {
  return fmt::format("<text x='{:.1f}' y='{:.1f}' {}>{}</text>\n", x, y, attributes,
                     escaped(content));
}

std::string grid_and_ticks(const Frame& frame) {
  std::string out;
  const Ticks xt = nice_ticks(frame.x.lo, frame.x.hi), yt = nice_ticks(frame.y.lo, frame.y.hi);
  for (double v : xt.values) {
    const double x = frame.px(v);
    out += line(x, frame.top, x, frame.bottom, kGridStroke);
    out +=
        text(x, frame.bottom + 15, format_tick(v, xt.step), "font-size='10' text-anchor='middle'");
  }
  for (double v : yt.values) {
    const double y = frame.py(v);
    out += line(frame.left, y, frame.right, y, kGridStroke);
    out +=
        text(frame.left - 5, y + 3.5, format_tick(v, yt.step), "font-size='10' text-anchor='end'");
  }
  return out;
}

// "best 0.8734 at step 1500" on the side of the point facing the middle of the frame; above a
// maximum (below a minimum), where the curve is not, if the frame has room there, else level with
// the point, where the curve falls away from a maximum (rises from a minimum).
std::string best_label(const Frame& frame, double x, double y, Best best) {
  const double cx = frame.px(x), cy = frame.py(y);
  const bool right_half = cx > (frame.left + frame.right) / 2;
  const double room = best == Best::Higher ? cy - frame.top : frame.bottom - cy;
  const double dx = room > 24 ? 4 : 10;
  const double dy = room <= 24 ? 4 : best == Best::Higher ? -10 : 18;
  const Ticks yt = nice_ticks(frame.y.lo, frame.y.hi);
  const std::string label = fmt::format("best {} at step {:g}", format_value(y, yt.step), x);
  return text(cx + (right_half ? -dx : dx), cy + dy, label,
              fmt::format("font-size='11' font-weight='bold' text-anchor='{}' stroke='white' "
                          "stroke-width='3' paint-order='stroke'",
                          right_half ? "end" : "start"));
}

std::string line_svg(const Frame& frame, const Series& series, const std::string& stroke,
                     const std::string& clip) {
  const Points points = finite_points(series);
  switch (resolved_style(series)) {
    case SeriesStyle::RawAndSmoothed:
      return polyline(frame, points.x, points.y,
                      stroke + " stroke-opacity='0.25' stroke-width='1' " + clip) +
             polyline(frame, points.x, smoothed(points), stroke + " stroke-width='2' " + clip);
    case SeriesStyle::Markers: {
      std::string out = polyline(frame, points.x, points.y, stroke + " stroke-width='1.5'");
      for (std::size_t i = 0; i < points.x.size(); ++i)
        out += circle(frame.px(points.x[i]), frame.py(points.y[i]), 3.5,
                      stroke + " stroke-width='1.5' fill='white'");
      return out;
    }
    default: return polyline(frame, points.x, points.y, stroke + " stroke-width='1.5' " + clip);
  }
}

std::string series_svg(const Frame& frame, const Series& series, const char* colour,
                       const std::string& clip) {
  const std::string stroke = fmt::format("stroke='{}'", colour);
  std::string out = line_svg(frame, series, stroke, clip);
  if (const auto best = best_index(series)) {
    const double x = series.x[*best], y = series.y[*best];
    out += circle(frame.px(x), frame.py(y), 5, stroke + fmt::format(" fill='{}'", colour));
    out += best_label(frame, x, y, series.best);
  }
  return out;
}

// One entry per series in a row above the frame: a short stroke (with a marker for a marker series)
// and the name.
std::string legend(const Panel& panel, double left, double y) {
  std::string out;
  double x = left;
  for (std::size_t i = 0; i < panel.series.size(); ++i) {
    const Series& s = panel.series[i];
    const char* colour = kColours[i % std::size(kColours)];
    out += line(x, y - 4, x + 20, y - 4, fmt::format("stroke='{}' stroke-width='2'", colour));
    if (resolved_style(s) == SeriesStyle::Markers)
      out += circle(x + 10, y - 4, 3.5,
                    fmt::format("stroke='{}' stroke-width='1.5' fill='white'", colour));
    out += text(x + 25, y, s.name, "font-size='11'");
    x += 25 + 6.5 * static_cast<double>(s.name.size()) + 16;
  }
  return out;
}

std::string panel_svg(const Panel& panel, std::size_t index) {
  const double left = kWidth * static_cast<double>(index);
  const Frame frame{x_range(panel),    y_range(panel),
                    left + kFrameLeft, left + kWidth - kFrameRight,
                    kFrameTop,         kHeight - kFrameBottom};
  const double middle_x = (frame.left + frame.right) / 2, middle_y = (frame.top + frame.bottom) / 2;
  const std::string clip_id = fmt::format("frame{}", index);
  std::string out = fmt::format(
      "<clipPath id='{}'><rect x='{}' y='{}' width='{}' height='{}'/></clipPath>\n", clip_id,
      frame.left, frame.top, frame.right - frame.left, frame.bottom - frame.top);
  out += text(middle_x, 18, panel.title, "font-size='14' text-anchor='middle'");
  out += legend(panel, frame.left, 38);
  out += grid_and_ticks(frame);
  out += fmt::format("<rect x='{}' y='{}' width='{}' height='{}' fill='none' stroke='#888'/>\n",
                     frame.left, frame.top, frame.right - frame.left, frame.bottom - frame.top);
  out += text(middle_x, kHeight - 8, panel.x_label, "font-size='12' text-anchor='middle'");
  out += text(left + 16, middle_y, panel.y_label.empty() ? panel.title : panel.y_label,
              fmt::format("font-size='12' text-anchor='middle' transform='rotate(-90 {} {})'",
                          left + 16, middle_y));
  const std::string clip = fmt::format("clip-path='url(#{})'", clip_id);
  for (std::size_t i = 0; i < panel.series.size(); ++i)
    out += series_svg(frame, panel.series[i], kColours[i % std::size(kColours)], clip);
  return out;
}

}  // namespace

SeriesStyle resolved_style(const Series& series) {
  if (series.style != SeriesStyle::Auto) return series.style;
  return finite_points(series).x.size() <= kMaxMarkers ? SeriesStyle::Markers
                                                       : SeriesStyle::RawAndSmoothed;
}

std::vector<double> smooth(const std::vector<double>& y, double weight) {
  SG_CHECK(weight >= 0 && weight < 1, "smooth: weight {} is not in [0, 1)", weight);
  // sum_i w^|t-i| v_i as the sums over i <= t, run forward, plus those over i >= t, run backward,
  // less v_t, which both hold.
  const auto two_sided_sums = [weight](const std::vector<double>& v) {
    std::vector<double> sums = decayed_sums(v.begin(), v.end(), weight);
    const std::vector<double> backward = decayed_sums(v.rbegin(), v.rend(), weight);
    for (std::size_t t = 0; t < v.size(); ++t) sums[t] += backward[v.size() - 1 - t] - v[t];
    return sums;
  };
  std::vector<double> out = two_sided_sums(y);
  const std::vector<double> norms = two_sided_sums(std::vector<double>(y.size(), 1.0));
  for (std::size_t t = 0; t < y.size(); ++t) out[t] /= norms[t];
  return out;
}

double smoothing_weight(std::size_t points) {
  // The centred average spans about 2 / (1 - weight) points.
  const double window = static_cast<double>(points) / 30;
  return window <= 2 ? 0 : 1 - 2 / window;
}

AxisRange x_range(const Panel& panel) {
  Extent extent;
  for (const Series& s : panel.series)
    for (double v : finite_points(s).x) extent.add(v);
  return extent.padded(0);
}

AxisRange y_range(const Panel& panel) {
  Extent extent;
  for (const Series& s : panel.series) {
    const Points points = finite_points(s);
    if (points.y.empty()) continue;
    if (resolved_style(s) != SeriesStyle::RawAndSmoothed) {
      for (double v : points.y) extent.add(v);
      continue;
    }
    const double lo = percentile(points.y, kClipPercentile),
                 hi = percentile(points.y, 1 - kClipPercentile);
    for (double v : smoothed(points)) extent.add(std::clamp(v, lo, hi));
  }
  return extent.padded(kYPadding);
}

Ticks nice_ticks(double lo, double hi, int target) {
  SG_CHECK(std::isfinite(lo) && std::isfinite(hi) && lo < hi,
           "nice_ticks: the range [{}, {}] is empty or not finite", lo, hi);
  // Steps from a tenth of the span's magnitude to the magnitude give counts from 2 up to 100;
  // larger steps give at most one tick.
  const int magnitude = static_cast<int>(std::floor(std::log10(hi - lo)));
  struct Choice {
    double m;
    int k;
    double first, last;
  };
  Choice best{};
  double best_distance = std::numeric_limits<double>::infinity();
  for (int k = magnitude - 1; k <= magnitude; ++k)
    for (double m : {1.0, 2.0, 2.5, 5.0}) {
      const double step = decimal(m, k);
      const double first = std::ceil(lo / step - 1e-9), last = std::floor(hi / step + 1e-9);
      const double distance = std::abs(last - first + 1 - target);
      if (distance <= best_distance) {
        best = {m, k, first, last};
        best_distance = distance;
      }
    }
  Ticks ticks{{}, decimal(best.m, best.k)};
  // Counted in integers: past 2^53 (a span of one ulp, such as [1, 1 + 2^-52]) ++ on a double
  // left it unchanged, and the loop filled memory.
  const auto count = static_cast<int64_t>(best.last - best.first) + 1;
  for (int64_t j = 0; j < count; ++j)
    ticks.values.push_back(decimal((best.first + static_cast<double>(j)) * best.m, best.k));
  return ticks;
}

std::string format_tick(double value, double step) {
  int decimals = 0;
  for (double scaled = step; decimals < 15 && std::abs(scaled - std::round(scaled)) > 1e-6 * scaled;
       scaled *= 10)
    ++decimals;
  // Rounding error must not print a zero tick as "-0.00".
  if (std::abs(value) < step * 1e-6) value = 0;
  return fmt::format("{:.{}f}", value, decimals);
}

std::string format_value(double value, double step) {
  std::string text = format_tick(value, step / 100);
  if (text.find('.') != std::string::npos) {
    text.erase(text.find_last_not_of('0') + 1);
    if (text.back() == '.') text.pop_back();
  }
  return text;
}

std::optional<std::size_t> best_index(const Series& series) {
  if (series.best == Best::None) return std::nullopt;
  std::optional<std::size_t> best;
  for (std::size_t i = 0; i < std::min(series.x.size(), series.y.size()); ++i) {
    if (!std::isfinite(series.x[i]) || !std::isfinite(series.y[i])) continue;
    const bool better = !best || (series.best == Best::Higher ? series.y[i] > series.y[*best]
                                                              : series.y[i] < series.y[*best]);
    if (better) best = i;
  }
  return best;
}

std::string svg_plot(const std::vector<Panel>& panels) {
  std::string svg = fmt::format(
      "<svg xmlns='http://www.w3.org/2000/svg' width='{}' height='{}' font-family='sans-serif'>\n"
      "<rect width='100%' height='100%' fill='white'/>\n",
      kWidth * static_cast<double>(panels.size()), kHeight);
  for (std::size_t i = 0; i < panels.size(); ++i) svg += panel_svg(panels[i], i);
  return svg + "</svg>\n";
}

void write_svg_plot(const std::string& path, const std::vector<Panel>& panels) {
  const std::string svg = svg_plot(panels);
  AtomicFile file(path);
  file.write(svg.data(), svg.size());
  file.commit();
}

}  // namespace sg::examples
