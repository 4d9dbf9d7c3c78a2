#include "bench/options.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <string_view>

namespace sg::bench {

int parse_positive(std::string_view flag, std::string_view text) {
  int n = 0;
  const char* end = text.data() + text.size();
  const auto [last, error] = std::from_chars(text.data(), end, n);
  if (error != std::errc() || last != end || n < 1)
    throw UsageError(fmt::format("{} expects a whole number of at least 1, got '{}'", flag, text));
  return n;
}

std::string Options::value(const std::string& name, const std::string& fallback) const {
  auto it = values.find(name);
  return it == values.end() ? fallback : it->second;
}

int Options::positive(const std::string& name, int fallback) const {
  auto it = values.find(name);
  return it == values.end() ? fallback : parse_positive(name, it->second);
}

Options parse_options(std::span<char* const> args,
                      std::span<const std::string_view> value_options) {
  Options options;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string_view arg = args[i];
    if (arg == "--help" || arg == "-h") {
      options.help = true;
    } else if (arg == "--quick") {
      options.quick = true;
    } else if (arg == "--threads") {
      if (i + 1 == args.size()) throw UsageError("--threads needs a value");
      options.threads = parse_positive("--threads", args[++i]);
    } else if (std::find(value_options.begin(), value_options.end(), arg) != value_options.end()) {
      if (i + 1 == args.size()) throw UsageError(fmt::format("{} needs a value", arg));
      options.values[std::string(arg)] = args[++i];
    } else {
      throw UsageError(fmt::format("unknown option '{}'", arg));
    }
  }
  return options;
}

}  // namespace sg::bench
