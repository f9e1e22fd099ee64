#!/usr/bin/env bash
# Writes the man page sluice.1 with help2man: the binary's --help and
# --version, every subcommand's --help (the list read from the binary, so a
# new subcommand is in it without editing this), and sluice.h2m (exit
# status, environment, files, see also).
#   bash tools/man/make-man.sh BINARY OUTPUT
set -euo pipefail
binary=$1
output=$2
here=$(cd "$(dirname "$0")" && pwd)
include=$(mktemp)
trap 'rm -f "$include"' EXIT

roff_text() {  # help text as roff: backslashes escaped, no line read as a request
  sed -e 's/\\/\\e/g' -e "s/^\([.']\)/\\\\\&\1/"
}

subcommands=$("$binary" --help | awk '/^[A-Za-z]*[Ss]ubcommands:/ {in_list = 1; next}
  in_list && /^  [a-z]/ {print $1; next} in_list && !/^  / {in_list = 0}')
if [[ -z $subcommands ]]; then
  echo "make-man.sh: found no subcommands in '$binary --help'" >&2
  exit 1
fi
{
  echo "[SUBCOMMANDS]"
  for subcommand in $subcommands; do
    echo ".SS \"sluice $subcommand\""
    echo ".nf"
    # Drop the usage line's path of the binary: the page says `sluice`.
    "$binary" "$subcommand" --help | sed -e "s|$binary|sluice|g" | roff_text
    echo ".fi"
  done
  cat "$here/sluice.h2m"
} >"$include"
# --version-string: the first line of --version (the rest, library versions,
# would land in a paragraph of its own).
help2man --no-info --section 1 --name "exactly-once ETL over files larger than memory" \
  --version-string "$("$binary" --version | head -n 1)" \
  --include "$include" --output "$output" "$binary"
# The usage line names the binary by the path help2man ran.
sed -i -e "s|$binary|sluice|g" "$output"
