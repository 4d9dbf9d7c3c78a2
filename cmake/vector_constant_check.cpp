// Built and run at configure time with the project's flags. GCC 12.2 (Debian 12's) with AVX-512
// enabled (-march=native on AVX-512 CPUs) turns a vector constant such as {3, 3, 0, 0} into a
// broadcast of 3 to all four lanes. Exits 1 where the compiler does that.
#include <cstdint>
#include <vector>

__attribute__((noinline)) int64_t sum_of(const std::vector<int64_t>& values) {
  int64_t sum = 0;
  for (const int64_t v : values) sum += v;
  return sum;
}

int main() {
  return sum_of({3, 3, 0, 0}) == 6 ? 0 : 1;
}
