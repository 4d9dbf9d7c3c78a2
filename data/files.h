#pragma once
// Whole-file reads and atomic writes for the readers and savers in data/, so that every one of them
// reports a missing or unreadable file the same way.
#include <string>
#include <string_view>

namespace sg::data {

// The file's bytes; throws an sg::Error "<who>: cannot read '<path>': <reason>".
std::string read_text_file(const std::string& path, std::string_view who);

// Atomic (see core/atomic_file.h): a failed save leaves any previous file intact.
void write_text_file(const std::string& path, std::string_view content);

}  // namespace sg::data
