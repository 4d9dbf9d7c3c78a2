#pragma once
// The Transformer's position-wise parts in plain double-precision loops, written from the formulas
// and sharing no code with nn/: a module's parameters are read by name, and dropout masks are
// replayed from a copy of the module's generator.
#include <doctest/doctest.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "synthgrad/autograd/grad_mode.h"
#include "synthgrad/core/random.h"
#include "synthgrad/nn/module.h"

namespace sg::testing {

using Values = std::vector<double>;            // a row-major [rows, width] array
using Params = std::map<std::string, Values>;  // by hierarchical parameter or buffer name

// A tensor's elements in row-major order.
Values values_of(const Tensor& t);
// Every parameter and buffer of `module`.
Params params_of(const nn::Module& module);
// The entries named "<prefix>.<rest>", under <rest>: a submodule's own parameters.
Params params_under(const Params& params, const std::string& prefix);

// Adds normal(0, stddev) noise to every parameter, so that no weight keeps its default (LayerNorm
// gains and biases included) and a missing or misplaced term changes the output.
void perturb_parameters(nn::Module& module, uint64_t seed, float stddev = 0.3f);

// The dropout multipliers (0, or 1 / (1 - p)) a module draws from its generator, in draw order.
// Construct it from the generator's state before the forward pass under test.
class DropoutReplay {
 public:
  DropoutReplay(GeneratorState state, float p);
  Values next(int64_t count);

 private:
  Generator gen_;
  float p_;
};

// x * the next mask of `dropout`; x itself when there is no replay (evaluation mode).
Values dropped(Values x, DropoutReplay* dropout);
Values add(Values a, const Values& b);

// Each function takes the parameters of its own module (see params_under), by their local names.

// x [rows, in] W^T + b for "weight" [out, in] and, when present, "bias".
Values linear(const Params& params, const Values& x, int64_t in);
// Normalises each row of width `dim` with the biased variance, then applies gamma and beta.
Values layer_norm(const Params& params, const Values& x, int64_t dim, double eps = 1e-5);
// x Phi(x), with the exact (erf) normal CDF.
Values gelu(Values x);

// up -> GELU -> dropout -> down.
Values feed_forward(const Params& params, const Values& x, int64_t dim, DropoutReplay* dropout);

// The token mixer of a block: normalised [B * L, d] -> [B * L, d].
using Mixer = std::function<Values(const Values&)>;

// The given rows of x [*, width], in that order.
Values gather_rows(const Values& x, const std::vector<int64_t>& rows, int64_t width);

// The pre-LN block: h = x + Drop(mixer(LN1 x)), then h + Drop(FFN(LN2 h)). With `rows`, both
// residual adds and the second half run on those rows alone, in that order, and the result has
// only them (the mixer still reads every row).
Values transformer_block(const Params& params, const Values& x, int64_t dim, const Mixer& mixer,
                         DropoutReplay* dropout, const std::vector<int64_t>& rows = {});

// Checks a tensor against expected values: max |got - want| within rtol of the largest |want|.
void check_matches(const Tensor& got, const Values& want, double rtol = 1e-5);

// Checks `forward()` against `reference(params_of(module), replay)`, without gradients: in
// evaluation mode (replay null), then in training mode with the dropout masks replayed from a copy
// of `dropout_gen` taken just before the call.
template <class Forward, class Reference>
void check_against_reference(nn::Module& module, Generator& dropout_gen, float dropout,
                             const Forward& forward, const Reference& reference) {
  NoGradGuard no_grad;
  const Params params = params_of(module);
  module.eval();
  {
    INFO("evaluation mode");
    check_matches(forward(), reference(params, nullptr));
  }
  module.train();
  DropoutReplay replay(dropout_gen.state(), dropout);
  const Tensor trained = forward();
  INFO("training mode");
  check_matches(trained, reference(params, &replay));
}

}  // namespace sg::testing
