#pragma once
// What the harnesses share: each one defines LLVMFuzzerTestOneInput, which feeds one input to a
// loader. A loader may reject any input, but only with an sg::Error: any other exception escapes,
// terminates the process and so counts as a finding, as does a sanitizer report or a failed
// FUZZ_CHECK on what a loader accepted.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#define FUZZ_CHECK(condition)                                                                 \
  do {                                                                                        \
    if (!(condition)) {                                                                       \
      std::fprintf(stderr, "%s:%d: FUZZ_CHECK(%s) failed\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                           \
    }                                                                                         \
  } while (0)

namespace sg::fuzz {

inline std::string_view as_text(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// A folder private to this process (removed at exit), for the loaders that read files.
const std::string& scratch_folder();

// Writes `bytes` to scratch_folder()/name and returns the file's path.
std::string write_scratch_file(const std::string& name, std::string_view bytes);

}  // namespace sg::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
