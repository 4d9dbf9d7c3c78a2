#pragma once
// A seeded Fisher-Yates shuffle that draws from a counter-based Generator, so an order is a pure
// function of the generator's state and a checkpoint can recompute it.
#include <utility>
#include <vector>

#include "synthgrad/core/random.h"

namespace sg::data {

template <class T>
void shuffle(std::vector<T>& values, Generator& gen) {
  for (size_t i = values.size(); i > 1; --i) {
    const uint64_t j = gen.bits_at(gen.reserve(1)) % i;  // bias below 2^-24 for any real data set
    std::swap(values[i - 1], values[j]);
  }
}

}  // namespace sg::data
