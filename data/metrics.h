#pragma once
// Evaluation metrics as GLUE reports them (the definitions of scikit-learn and SciPy that the GLUE
// baselines and the Hugging Face `evaluate` GLUE metric use). Every function throws an sg::Error
// when the two sequences differ in length or are empty.
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "synthgrad/data/glue_tasks.h"

namespace sg::data {

double accuracy(std::span<const int64_t> predicted, std::span<const int64_t> gold);

// F1 of the class `positive` (MRPC, QQP); 0 when there is neither a predicted nor a gold positive.
double f1_score(std::span<const int64_t> predicted, std::span<const int64_t> gold,
                int64_t positive = 1);

// Matthews correlation for any number of classes (CoLA); 0 when either side is constant.
double matthews_corrcoef(std::span<const int64_t> predicted, std::span<const int64_t> gold);

// Pearson and Spearman correlation (STS-B); Spearman ranks ties by their average rank. NaN when
// either side is constant, where the correlation is undefined (SciPy does the same).
double pearson(std::span<const double> x, std::span<const double> y);
double spearman(std::span<const double> x, std::span<const double> y);

// The task's metrics, named and ordered as TaskSpec::metrics.
using MetricValues = std::vector<std::pair<std::string, double>>;
MetricValues evaluate_classification(const TaskSpec& task, std::span<const int64_t> predicted,
                                     std::span<const int64_t> gold);
MetricValues evaluate_regression(const TaskSpec& task, std::span<const double> predicted,
                                 std::span<const double> gold);

}  // namespace sg::data
