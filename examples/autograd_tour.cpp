// A tour of the autograd engine: build a small expression, print its graph as Graphviz DOT, run
// backward, print every gradient and confirm each with finite differences.
//
//   build/examples/autograd_tour            # DOT on stdout, then the gradients
//   build/examples/autograd_tour graph.dot  # DOT to a file (render: dot -Tpng graph.dot -o
//   graph.png)
#include <fmt/core.h>

#include <cstdio>
#include <fstream>

#include "synthgrad/autograd/autograd.h"
#include "synthgrad/core/core.h"

using namespace sg;

namespace {

// One tanh layer and a squared-error loss: loss = mean((tanh(x @ w + b) - target)^2).
Variable tiny_model(const Variable& x, const Variable& w, const Variable& b,
                    const Variable& target) {
  Variable hidden = tanh(matmul(x, w) + b);
  return mse(hidden, target);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    Generator gen(42);
    Variable x(randn({2, 3}, gen));
    x.set_name("x");
    Variable w(randn({3, 2}, gen, 0.0f, 0.5f), true);
    w.set_name("w");
    Variable b(zeros({2}), true);
    b.set_name("b");
    Variable target(from_vector<float>({1, -1, 0.5f, 0}, {2, 2}));
    target.set_name("target");

    Variable loss = tiny_model(x, w, b, target);
    const std::string dot = to_dot(loss);
    if (argc > 1) {
      std::ofstream(argv[1]) << dot;
      fmt::print("graph written to {}\n", argv[1]);
    } else {
      fmt::print("{}\n", dot);
    }

    loss.backward();
    fmt::print("loss = {:.6f}\n", loss.item<float>());
    fmt::print("dloss/dw = {}\n", w.grad());
    fmt::print("dloss/db = {}\n", b.grad());

    const GradcheckResult check =
        gradcheck([&](const std::vector<Variable>& v) { return tiny_model(x, v[0], v[1], target); },
                  {w.data(), b.data()});
    fmt::print("gradcheck against finite differences: {}\n", check ? "passed" : check.message);
    return check ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "autograd_tour: %s\n", e.what());
    return 1;
  }
}
