#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "examples/support/svg_plot.h"
#include "support/error_message.h"

using namespace sg::examples;
using sg::testing::error_message;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::vector<double> steps(std::size_t count) {
  std::vector<double> x;
  for (std::size_t i = 1; i <= count; ++i) x.push_back(static_cast<double>(i));
  return x;
}

// A training loss around 1.0 and 1.1, alternating, with a spike of 100 at its sixth step.
Series spiky_loss(std::size_t count) {
  Series loss{"train loss", steps(count), {}};
  for (std::size_t i = 0; i < count; ++i) loss.y.push_back(i == 5 ? 100.0 : 1.0 + 0.1 * (i % 2));
  return loss;
}

std::size_t occurrences(const std::string& text, const std::string& part) {
  std::size_t count = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++count;
  return count;
}

// Whether every tag opened in `xml` is closed, in order, and one root element holds the rest.
// Comments, declarations and attribute values holding '>' are not used by the writer.
bool tags_balanced(const std::string& xml) {
  std::vector<std::string> open;
  std::size_t roots = 0;
  for (auto at = xml.find('<'); at != std::string::npos; at = xml.find('<', at + 1)) {
    const auto end = xml.find('>', at);
    if (end == std::string::npos) return false;
    const std::string tag = xml.substr(at + 1, end - at - 1);
    const bool closing = tag.front() == '/', self_closing = tag.back() == '/';
    const std::string name = tag.substr(closing, tag.find_first_of(" /", 1) - closing);
    if (closing) {
      if (open.empty() || open.back() != name) return false;
      open.pop_back();
    } else if (!self_closing) {
      roots += open.empty();
      open.push_back(name);
    }
  }
  return open.empty() && roots == 1;
}

}  // namespace

TEST_CASE("nice ticks are round steps of 1, 2, 2.5 or 5 x 10^k, about five of them") {
  auto values = [](double lo, double hi) { return nice_ticks(lo, hi).values; };
  CHECK(values(0, 1) == std::vector<double>{0, 0.25, 0.5, 0.75, 1});
  CHECK(nice_ticks(0, 1).step == 0.25);
  CHECK(values(0, 1500) == std::vector<double>{0, 500, 1000, 1500});
  CHECK(values(1.83, 2.41) == std::vector<double>{1.9, 2.0, 2.1, 2.2, 2.3, 2.4});
  CHECK(values(0.00042, 0.00213) == std::vector<double>{0.0005, 0.001, 0.0015, 0.002});
  CHECK(nice_ticks(0.00042, 0.00213).step == 0.0005);
  CHECK(values(-3.7, 2.2) == std::vector<double>{-3, -2, -1, 0, 1, 2});
  // Steps 2000 and 2500 give 6 and 4 ticks, as far from 5: the larger step wins.
  CHECK(values(1, 12000) == std::vector<double>{2500, 5000, 7500, 10000});
  CHECK(nice_ticks(0, 10, 3).values == std::vector<double>{0, 5, 10});
  // A span of one ulp: the tick loop's double counter stopped moving past 2^53 and never ended.
  const Ticks tiny = nice_ticks(1.0, std::nextafter(1.0, 2.0));
  CHECK(tiny.values.size() <= 100);
  for (double v : tiny.values) CHECK(std::isfinite(v));
}

TEST_CASE("nice ticks of an empty or infinite range are an error naming the range") {
  CHECK(error_message([] { nice_ticks(1, 1); }) ==
        "nice_ticks: the range [1, 1] is empty or not finite");
  CHECK(error_message([] {
          nice_ticks(0, std::numeric_limits<double>::infinity());
        }).starts_with("nice_ticks: the range [0, inf]"));
}

TEST_CASE("tick labels carry the decimals of the tick step and no more") {
  CHECK(format_tick(0.05, 0.05) == "0.05");
  CHECK(format_tick(0.1, 0.05) == "0.10");
  CHECK(format_tick(0.75, 0.25) == "0.75");
  CHECK(format_tick(1500, 500) == "1500");
  CHECK(format_tick(12000, 2500) == "12000");
  CHECK(format_tick(0.0005, 0.0005) == "0.0005");
  CHECK(format_tick(0.0015, 0.0005) == "0.0015");
  CHECK(format_tick(7.5, 2.5) == "7.5");
  CHECK(format_tick(-3, 1) == "-3");
  CHECK(format_tick(2.2, 0.1) == "2.2");
  // The rounding error of a computed zero is not printed as "-0.0".
  CHECK(format_tick(-1e-17, 0.1) == "0.0");
}

TEST_CASE("a value read off the axis has two more decimals than its ticks, less trailing zeros") {
  CHECK(format_value(0.8734521, 0.05) == "0.8735");
  CHECK(format_value(0.81, 0.05) == "0.81");
  CHECK(format_value(10, 0.5) == "10");
  CHECK(format_value(1500, 500) == "1500");
  CHECK(format_value(1.4999, 0.1) == "1.5");
  CHECK(format_value(0.00123456, 0.0005) == "0.001235");
}

TEST_CASE("the centred exponential average against hand values") {
  // Weight 0.5: point i weighs 0.5^|t - i| in the average at t.
  const std::vector<double> s = smooth({4, 2, 6}, 0.5);
  REQUIRE(s.size() == 3);
  CHECK(s[0] == doctest::Approx((4 + 0.5 * 2 + 0.25 * 6) / 1.75));
  CHECK(s[1] == doctest::Approx((0.5 * 4 + 2 + 0.5 * 6) / 2));
  CHECK(s[2] == doctest::Approx((0.25 * 4 + 0.5 * 2 + 6) / 1.75));
  CHECK(smooth({4, 2, 6}, 0) == std::vector<double>{4, 2, 6});
  for (double v : smooth({3, 3, 3, 3}, 0.9)) CHECK(v == doctest::Approx(3));
  CHECK(error_message([] { smooth({1}, 1); }) == "smooth: weight 1 is not in [0, 1)");
}

TEST_CASE("the smoothing weight averages over about a thirtieth of the points") {
  // The centred average with weight w spans about 2 / (1 - w) points.
  CHECK(smoothing_weight(60) == 0);
  CHECK(smoothing_weight(300) == doctest::Approx(0.8));
  CHECK(smoothing_weight(600) == doctest::Approx(0.9));
  CHECK(smoothing_weight(60000) == doctest::Approx(0.999));
}

TEST_CASE("Auto draws a few points as markers and many as a smoothed line") {
  Series series{"dev", steps(40), std::vector<double>(40, 0.5)};
  CHECK(resolved_style(series) == SeriesStyle::Markers);
  series.x.push_back(41);
  series.y.push_back(0.5);
  CHECK(resolved_style(series) == SeriesStyle::RawAndSmoothed);
  series.style = SeriesStyle::Line;
  CHECK(resolved_style(series) == SeriesStyle::Line);
}

TEST_CASE("a spike does not set the y range but evaluation points do") {
  // 50 points are not smoothed, so the range is that of the raw points cut to their 2nd..98th
  // percentiles, 1.0 and 1.1, with 5% of the span added on each side.
  Series loss = spiky_loss(50);
  loss.style = SeriesStyle::RawAndSmoothed;
  Panel panel{"loss", "step", {loss}};
  AxisRange y = y_range(panel);
  CHECK(y.lo == doctest::Approx(0.995));
  CHECK(y.hi == doctest::Approx(1.105));
  // Smoothed, the curve lies between 1.0 and 1.1 but near the spike, where it is cut to 1.1.
  y = y_range({"loss", "step", {spiky_loss(300)}});
  CHECK(y.lo > 1.0);
  CHECK(y.hi > 1.1);
  CHECK(y.hi < 1.11);
  panel.series.push_back({"validation loss", {10, 20, 30}, {1.3, 0.5, 0.9}, SeriesStyle::Markers});
  y = y_range(panel);
  CHECK(y.lo == doctest::Approx(0.5 - 0.04));
  CHECK(y.hi == doctest::Approx(1.3 + 0.04));
  const AxisRange x = x_range(panel);
  CHECK(x.lo == 1);
  CHECK(x.hi == 50);
}

TEST_CASE("a panel with one value or none still gets a range to draw in") {
  const AxisRange one = y_range({"dev", "step", {{"dev", {5}, {0.5}}}});
  CHECK(one.lo == doctest::Approx(0.45));
  CHECK(one.hi == doctest::Approx(0.55));
  const AxisRange none = y_range({"dev", "step", {{"dev", {}, {}}}});
  CHECK(none.lo == 0);
  CHECK(none.hi == 1);
  CHECK(tags_balanced(svg_plot({{"dev", "step", {{"dev", {}, {}}}}})));
}

TEST_CASE(
    "the best point is the highest or the lowest as the series says, the earliest of equals") {
  Series accuracy{"dev accuracy", {100, 200, 300, 400}, {0.61, 0.74, 0.70, 0.74}};
  CHECK_FALSE(best_index(accuracy).has_value());
  accuracy.best = Best::Higher;
  CHECK(best_index(accuracy) == 1u);
  accuracy.best = Best::Lower;
  CHECK(best_index(accuracy) == 0u);
  const Series loss{
      "validation loss", {1, 2, 3, 4}, {2.3, 1.9, 2.1, 1.9}, SeriesStyle::Auto, Best::Lower};
  CHECK(best_index(loss) == 1u);
}

TEST_CASE("non-finite points are skipped in ranges, the best point and the drawing") {
  const double inf = std::numeric_limits<double>::infinity();
  const Series dev{"dev accuracy",
                   {100, 200, kNaN, 400, 500},
                   {kNaN, 0.7, 0.9, inf, 0.6},
                   SeriesStyle::Markers,
                   Best::Higher};
  CHECK(best_index(dev) == 1u);
  const Panel panel{"dev", "step", {dev}};
  CHECK(x_range(panel).lo == 200);
  CHECK(x_range(panel).hi == 500);
  CHECK(y_range(panel).lo == doctest::Approx(0.6 - 0.005));
  CHECK(y_range(panel).hi == doctest::Approx(0.7 + 0.005));
  const std::string svg = svg_plot({panel});
  CHECK(svg.find("nan") == std::string::npos);
  CHECK(svg.find("inf") == std::string::npos);
  // Two finite points and the best one's larger mark, plus the legend's marker.
  CHECK(occurrences(svg, "<circle") == 4);
}

TEST_CASE("the SVG is well formed and holds the labels, ticks, legend and best point") {
  const Series dev{"dev accuracy",
                   {100, 200, 300, 400},
                   {0.62, 0.75, 0.81, 0.79},
                   SeriesStyle::Markers,
                   Best::Higher};
  const std::string svg = svg_plot({{"training loss", "step", {spiky_loss(400)}, "loss"},
                                    {"dev accuracy", "step", {dev}},
                                    {"R&D <metric>", "epoch", {{"a", {1, 2}, {3, 4}}}}});
  CHECK(tags_balanced(svg));
  CHECK(svg.starts_with("<svg "));
  for (const char* label : {">training loss<", ">dev accuracy<", ">step<", ">loss<", ">epoch<"})
    CHECK_MESSAGE(svg.find(label) != std::string::npos, label);
  // The dev range [0.6105, 0.8195] gets ticks of 0.05; the best value two more decimals, less
  // trailing zeros.
  for (const char* tick : {">0.65<", ">0.70<", ">0.75<", ">0.80<", ">100<", ">400<"})
    CHECK_MESSAGE(svg.find(tick) != std::string::npos, tick);
  CHECK(svg.find(">best 0.81 at step 300<") != std::string::npos);
  CHECK(svg.find(">R&amp;D &lt;metric&gt;<") != std::string::npos);
  // The legend names each series; a panel without a y label takes its title as one.
  CHECK(occurrences(svg, ">train loss<") == 1);
  CHECK(occurrences(svg, ">dev accuracy<") == 3);
  // The loss drawn raw and smoothed, both clipped to its panel's frame.
  CHECK(occurrences(svg, "clip-path='url(#frame0)'") == 2);
}
