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
  for (size_t k = 1; k < length; ++k)
    if ((static_cast<unsigned char>(text[pos + k]) & 0xC0) != 0x80) return 0;
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
