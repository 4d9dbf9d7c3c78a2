#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace sg {

using Shape = std::vector<int64_t>;

// The product of the sizes, for shapes that exist (a tensor's): no overflow check.
int64_t numel_of(const Shape& shape);
// The same for a shape a tensor is about to get (allocation, expand, view); throws naming `op` when
// the count passes int64, which would wrap, to 0 among others, and get a buffer of that size.
int64_t checked_numel(const Shape& shape, const char* op);
Shape contiguous_strides(const Shape& shape);
std::string shape_str(const Shape& shape);

// Maps a possibly negative axis into [0, rank); throws naming `op` when out of range.
int64_t normalize_axis(int64_t axis, int64_t rank, const char* op);

// Whether NumPy broadcasting joins the two shapes: aligned from the right, each pair of sizes
// equal or one of them 1.
bool broadcastable(const Shape& a, const Shape& b);
// NumPy broadcasting of two shapes; throws naming `op` and both shapes when incompatible.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);

// Normalised, sorted, duplicate-free reduction axes; an empty list means every axis.
std::vector<int64_t> normalize_axes(const std::vector<int64_t>& axes, int64_t rank, const char* op);

}  // namespace sg
