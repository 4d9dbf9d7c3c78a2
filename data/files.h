#pragma once
// Whole-file reads and atomic writes for the readers and savers in data/, so that every one of them
// reports a missing or unreadable file the same way.
#include <string>
#include <string_view>

namespace sg::data {

// The file's bytes; throws an sg::Error "<who>: cannot read '<path>': <reason>".
std::string read_text_file(const std::string& path, std::string_view who);

// The UTF-8 byte-order mark some editors write at the start of a file: not text.
inline constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";
// `text` without a leading byte-order mark.
inline std::string_view without_byte_order_mark(std::string_view text) {
  return text.starts_with(kByteOrderMark) ? text.substr(kByteOrderMark.size()) : text;
}

// Atomic (see core/atomic_file.h): a failed save leaves any previous file intact.
void write_text_file(const std::string& path, std::string_view content);

}  // namespace sg::data
