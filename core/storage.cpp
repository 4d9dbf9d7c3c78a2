#include "core/storage.h"

#include <cstdlib>
#include <new>

namespace sg {

namespace {
constexpr size_t kAlignment = 64;  // a cache line, and the width of an AVX-512 register
}

Storage::Storage(size_t nbytes) : nbytes_(nbytes) {
  size_t rounded = (nbytes + kAlignment - 1) / kAlignment * kAlignment;
  data_ = static_cast<std::byte*>(std::aligned_alloc(kAlignment, rounded == 0 ? kAlignment : rounded));
  if (data_ == nullptr) throw std::bad_alloc();
}

Storage::~Storage() { std::free(data_); }

}  // namespace sg
