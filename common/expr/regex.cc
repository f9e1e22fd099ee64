#include "common/expr/regex.h"

#include <fmt/format.h>
#include <re2/re2.h>

#include "common/base/limits.h"

namespace sluice::expr {
namespace {

// What RE2 refuses that ECMAScript (std::regex, PCRE) users try first.
std::string hint(const re2::RE2& re2, std::string_view pattern) {
  const std::string& fragment = re2.error_arg();
  if (re2.error_code() == re2::RE2::ErrorBadEscape && fragment.size() == 2 && fragment[1] >= '1' &&
      fragment[1] <= '9') {
    return " (backreferences are not supported)";
  }
  if (re2.error_code() == re2::RE2::ErrorBadPerlOp) {
    const size_t at = pattern.find(fragment);
    const std::string_view rest = at == std::string_view::npos ? "" : pattern.substr(at);
    if (rest.starts_with("(?=") || rest.starts_with("(?!") || rest.starts_with("(?<=") ||
        rest.starts_with("(?<!")) {
      return " (lookahead and lookbehind are not supported)";
    }
    if (rest.starts_with("(?<")) return " (a named group is written (?P<name>...))";
    if (rest.starts_with("(?>")) return " (atomic groups are not supported)";
  }
  if (re2.error_code() == re2::RE2::ErrorPatternTooLarge) {
    return fmt::format(" (a compiled pattern may use at most {} bytes)",
                       limits::kRegexMemoryBytesMax);
  }
  return "";
}

}  // namespace

Result<std::shared_ptr<const Regex>> Regex::compile(std::string_view pattern) {
  re2::RE2::Options options;
  options.set_encoding(re2::RE2::Options::EncodingUTF8);
  options.set_max_mem(static_cast<int64_t>(limits::kRegexMemoryBytesMax));
  options.set_log_errors(false);    // the error is returned; nothing is logged per row
  options.set_never_capture(true);  // only "does it match" is asked
  auto re2 =
      std::make_unique<const re2::RE2>(re2::StringPiece(pattern.data(), pattern.size()), options);
  if (!re2->ok()) return invalid_argument(re2->error() + hint(*re2, pattern));
  return std::make_shared<const Regex>(std::move(re2));
}

Regex::Regex(std::unique_ptr<const re2::RE2> re2) : re2_(std::move(re2)) {}
Regex::~Regex() = default;

bool Regex::search(std::string_view text) const {
  return re2::RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), *re2_);
}

bool Regex::full_match(std::string_view text) const {
  return re2::RE2::FullMatch(re2::StringPiece(text.data(), text.size()), *re2_);
}

}  // namespace sluice::expr
