#pragma once
#include <cstddef>
#include <memory>

namespace sg {

// A 64-byte-aligned, uninitialised byte buffer shared by a tensor and all of its views, taken from
// the caching allocator (core/allocator.h).
class Storage {
 public:
  explicit Storage(size_t nbytes);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  std::byte* data() const { return data_; }
  size_t nbytes() const { return nbytes_; }

 private:
  std::byte* data_;
  size_t nbytes_;
};

}  // namespace sg
