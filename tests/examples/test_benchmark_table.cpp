#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "examples/support/benchmark_table.h"
#include "support/error_message.h"

using namespace sg::examples;

namespace {

// MRPC (two metrics) and RTE (one) for two variants, with several seeds and one NaN. By hand:
// MRPC V: F1 {80, 86, 82} -> 82, acc {70, 74, 68} -> 70, score 76; R+V one seed: 90/80, score 85.
// RTE V: {55, 61} -> 58; R+V: {53, NaN = 0, 71} -> 53. GLUE average V (76 + 58) / 2 = 67, R+V
// (85 + 53) / 2 = 69.
std::vector<RunScore> runs() {
  return {{"MRPC", "V", {{"f1", 0.80}, {"accuracy", 0.70}}},
          {"MRPC", "V", {{"f1", 0.86}, {"accuracy", 0.74}}},
          {"MRPC", "V", {{"f1", 0.82}, {"accuracy", 0.68}}},
          {"MRPC", "R+V", {{"f1", 0.90}, {"accuracy", 0.80}}},
          {"RTE", "V", {{"accuracy", 0.55}}},
          {"RTE", "V", {{"accuracy", 0.61}}},
          {"RTE", "R+V", {{"accuracy", 0.53}}},
          {"RTE", "R+V", {{"accuracy", NAN}}},
          {"RTE", "R+V", {{"accuracy", 0.71}}}};
}

}  // namespace

TEST_CASE("median of odd and even counts, unsorted") {
  CHECK(median({3.0, 1.0, 2.0}) == 2.0);
  CHECK(median({4.0, 1.0, 3.0, 2.0}) == 2.5);
  CHECK(median({-1.0}) == -1.0);
  CHECK(sg::testing::error_message([] { median({}); }) == "median: no values");
}

TEST_CASE("benchmark table: medians, spreads and the GLUE average with two-metric tasks") {
  const BenchmarkTable table = tabulate(runs());
  CHECK(table.tasks == std::vector<std::string>{"MRPC", "RTE"});
  CHECK(table.variants == std::vector<std::string>{"V", "R+V"});
  const Cell& mrpc = table.cells.at({"MRPC", "V"});
  CHECK(mrpc.seeds == 3);
  REQUIRE(mrpc.metrics.size() == 2);
  CHECK(mrpc.metrics[0].metric == "f1");
  CHECK(mrpc.metrics[0].median == doctest::Approx(0.82));
  CHECK(mrpc.metrics[0].min == doctest::Approx(0.80));
  CHECK(mrpc.metrics[0].max == doctest::Approx(0.86));
  CHECK(mrpc.metrics[1].median == doctest::Approx(0.70));
  CHECK(mrpc.metrics[1].min == doctest::Approx(0.68));
  CHECK(mrpc.score() == doctest::Approx(0.76));
  const Cell& rte = table.cells.at({"RTE", "R+V"});
  CHECK(rte.metrics[0].median == doctest::Approx(0.53));
  CHECK(rte.metrics[0].min == 0.0);
  CHECK(table.glue_average("V") == doctest::Approx(0.67));
  CHECK(table.glue_average("R+V") == doctest::Approx(0.69));
}

TEST_CASE("benchmark table as Markdown") {
  CHECK(to_markdown(tabulate(runs())) ==
        "| task | metric | seeds | V | R+V |\n"
        "| --- | --- | ---: | ---: | ---: |\n"
        "| MRPC | F1/acc | 3 | 82.0/70.0 (80.0–86.0/68.0–74.0) | 90.0/80.0 |\n"
        "| RTE | acc | 3 | 58.0 (55.0–61.0) | 53.0 (0.0–71.0) |\n"
        "| GLUE average | | | 67.0 | 69.0 |\n"
        "\n"
        "Dev-set scores in percent: the median over seeds, with the lowest and highest in "
        "parentheses. The GLUE average is the mean over tasks, a task with two metrics counting "
        "their mean.\n");
}

TEST_CASE("benchmark table as CSV") {
  CHECK(to_csv(tabulate(runs())) ==
        "task,variant,metric,seeds,median,min,max\n"
        "MRPC,V,f1,3,82.00,80.00,86.00\n"
        "MRPC,V,accuracy,3,70.00,68.00,74.00\n"
        "MRPC,V,score,3,76.00,,\n"
        "MRPC,R+V,f1,1,90.00,90.00,90.00\n"
        "MRPC,R+V,accuracy,1,80.00,80.00,80.00\n"
        "MRPC,R+V,score,1,85.00,,\n"
        "RTE,V,accuracy,2,58.00,55.00,61.00\n"
        "RTE,V,score,2,58.00,,\n"
        "RTE,R+V,accuracy,3,53.00,0.00,71.00\n"
        "RTE,R+V,score,3,53.00,,\n"
        "GLUE average,V,score,,67.00,,\n"
        "GLUE average,R+V,score,,69.00,,\n");
}

TEST_CASE("a variant without a run of some task has no GLUE average yet") {
  std::vector<RunScore> partial = runs();
  partial.push_back({"MRPC", "D", {{"f1", 0.5}, {"accuracy", 0.5}}});
  const BenchmarkTable table = tabulate(partial);
  CHECK(std::isnan(table.glue_average("D")));
  const std::string markdown = to_markdown(table);
  CHECK(markdown.find("| RTE | acc | 3 | 58.0 (55.0–61.0) | 53.0 (0.0–71.0) | n/a |") !=
        std::string::npos);
  CHECK(markdown.find("| GLUE average | | | 67.0 | 69.0 | n/a |") != std::string::npos);
  CHECK(to_csv(table).find("GLUE average,D,score,,,,\n") != std::string::npos);
}

TEST_CASE("runs of one task that report different metrics are an error") {
  const std::vector<RunScore> mixed = {{"MRPC", "V", {{"f1", 0.8}, {"accuracy", 0.7}}},
                                       {"MRPC", "V", {{"accuracy", 0.7}, {"f1", 0.8}}}};
  CHECK(sg::testing::error_message([&] { tabulate(mixed); }) ==
        "benchmark table: the runs of MRPC V report different metrics");
}
