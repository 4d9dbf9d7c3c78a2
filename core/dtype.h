#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <utility>

namespace sg {

// f32 carries activations and parameters; integer types carry token ids and labels; b8 carries
// masks.
enum class DType : uint8_t { f32, i32, i64, b8 };

constexpr size_t dtype_size(DType dtype) {
  switch (dtype) {
    case DType::f32: return 4;
    case DType::i32: return 4;
    case DType::i64: return 8;
    case DType::b8: return 1;
  }
  return 0;
}

constexpr const char* dtype_name(DType dtype) {
  switch (dtype) {
    case DType::f32: return "f32";
    case DType::i32: return "i32";
    case DType::i64: return "i64";
    case DType::b8: return "b8";
  }
  return "?";
}

template <class T>
constexpr DType dtype_of();
template <>
constexpr DType dtype_of<float>() {
  return DType::f32;
}
template <>
constexpr DType dtype_of<int32_t>() {
  return DType::i32;
}
template <>
constexpr DType dtype_of<int64_t>() {
  return DType::i64;
}
template <>
constexpr DType dtype_of<uint8_t>() {
  return DType::b8;
}

template <class T>
struct TypeTag {
  using type = T;
};

// Calls f(TypeTag<T>{}) with the C++ type T of `dtype`.
template <class F>
decltype(auto) visit_dtype(DType dtype, F&& f) {
  switch (dtype) {
    case DType::f32: return f(TypeTag<float>{});
    case DType::i32: return f(TypeTag<int32_t>{});
    case DType::i64: return f(TypeTag<int64_t>{});
    case DType::b8: break;
  }
  return f(TypeTag<uint8_t>{});
}

// One element as type Dst, or false where it cannot be one: to b8 any nonzero value is 1 (a plain
// cast made 0.5 false and 2 a byte of 2), and a float or an integer goes to an integer type only
// when it is a number in that type's range (casting NaN, inf or 1e30 is undefined behaviour, and
// an i64 id of 5e9 wrapped to another id as i32).
template <class Dst, class Src>
constexpr bool convert_element(Src value, Dst& out) {
  if constexpr (std::is_same_v<Dst, uint8_t>) {
    out = value != Src{0};
  } else if constexpr (std::is_floating_point_v<Src> && std::is_integral_v<Dst>) {
    // The limits as floats are -2^(bits-1) and 2^(bits-1), exactly; NaN fails both tests.
    if (!(value >= static_cast<Src>(std::numeric_limits<Dst>::min()) &&
          value < static_cast<Src>(std::numeric_limits<Dst>::max())))
      return false;
    out = static_cast<Dst>(value);
  } else if constexpr (std::is_integral_v<Src> && std::is_integral_v<Dst>) {
    if (!std::in_range<Dst>(value)) return false;
    out = static_cast<Dst>(value);
  } else {
    out = static_cast<Dst>(value);
  }
  return true;
}

}  // namespace sg
