#pragma once
// What a benchmark result depends on besides the code: which BLAS kernels were picked and how many
// threads ran. Printed first by every subcommand so that results can be compared across machines.

namespace sg::bench {

void print_environment();

}  // namespace sg::bench
