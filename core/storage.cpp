#include "synthgrad/core/storage.h"

#include "synthgrad/core/allocator.h"

namespace sg {

Storage::Storage(size_t nbytes)
    : data_(static_cast<std::byte*>(allocate_storage(nbytes))), nbytes_(nbytes) {}

Storage::~Storage() {
  free_storage(data_, nbytes_);
}

}  // namespace sg
