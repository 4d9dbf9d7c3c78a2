#pragma once
// UTF-8 character boundaries, shared by the character tokenizer and the corpus reader.
#include <cstddef>
#include <string_view>

namespace sg::data {

// Bytes in the UTF-8 character at text[pos], or 0 when the bytes there are not valid UTF-8.
inline size_t utf8_length(std::string_view text, size_t pos) {
  const auto lead = static_cast<unsigned char>(text[pos]);
  const size_t length = lead < 0x80           ? 1
                        : (lead >> 5) == 0x6  ? 2
                        : (lead >> 4) == 0xE  ? 3
                        : (lead >> 3) == 0x1E ? 4
                                              : 0;
  if (length == 0 || pos + length > text.size()) return 0;
  char32_t code = length == 1 ? lead : lead & (0x7F >> length);
  for (size_t k = 1; k < length; ++k) {
    const auto next = static_cast<unsigned char>(text[pos + k]);
    if ((next & 0xC0) != 0x80) return 0;
    code = (code << 6) | (next & 0x3F);
  }
  // The shortest form only (C0 80 is not a second spelling of NUL), no UTF-16 surrogates, nothing
  // above U+10FFFF: what decoders everywhere else reject.
  constexpr char32_t kShortestFrom[] = {0, 0, 0x80, 0x800, 0x10000};
  if (code < kShortestFrom[length] || (code >= 0xD800 && code <= 0xDFFF) || code > 0x10FFFF)
    return 0;
  return length;
}

// The offset of the first byte that does not start a valid UTF-8 character, or npos.
inline size_t first_invalid_utf8(std::string_view text) {
  for (size_t pos = 0; pos < text.size();) {
    const size_t length = utf8_length(text, pos);
    if (length == 0) return pos;
    pos += length;
  }
  return std::string_view::npos;
}

}  // namespace sg::data
