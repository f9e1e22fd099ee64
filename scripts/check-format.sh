#!/usr/bin/env bash
# Fails when a C++ file differs from .clang-format's style.
set -euo pipefail
cd "$(dirname "$0")/.."
files=$(git ls-files '*.cc' '*.h' 2>/dev/null || true)
[[ -z "$files" ]] && exit 0
bad=()
for file in $files; do
  if ! clang-format --dry-run --Werror "$file" >/dev/null 2>&1; then bad+=("$file"); fi
done
if [[ ${#bad[@]} -gt 0 ]]; then
  echo "format check failed; run: clang-format -i ${bad[*]}" >&2
  exit 1
fi
