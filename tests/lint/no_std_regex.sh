#!/usr/bin/env bash
# No std::regex anywhere, tests included: it recurses per character and
# overflows the stack on long input. RE2 (<re2/re2.h>) is the regex here.
set -euo pipefail
cd "${1:-$(dirname "$0")/../..}"
found=$(grep -rnE '#include *<regex>|std::(regex|smatch|cmatch|sregex_iterator|regex_search|regex_match)\b' \
  coordinator worker tools common proto tests bench --include='*.h' --include='*.cc' |
  grep -vE '^[^:]+:[0-9]+:[^/]*//.*std::regex' || true)
if [ -n "$found" ]; then
  echo "std::regex is not used here (use RE2, <re2/re2.h>):"
  echo "$found"
  exit 1
fi
echo "no std::regex"
