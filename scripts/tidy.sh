#!/usr/bin/env bash
# Runs clang-tidy (the repository's .clang-tidy) over every source file of the libraries,
# the daemon, the tests, the benchmarks and the fuzzers, with build/compile_commands.json
# (scripts/build.sh writes it). Prints the findings and how many there were; exits 1 when
# there is any. Usage: scripts/tidy.sh [FOLDER...]   (default: all of them)
set -euo pipefail
cd "$(dirname "$0")/.."
folders=("$@")
[ ${#folders[@]} -gt 0 ] ||
  folders=(common config watchers store scheduler metrics advisor rag daemon tests bench fuzz)
[ -f build/compile_commands.json ] || scripts/build.sh
tidy="$(command -v clang-tidy-16 || command -v clang-tidy)"
runner="$(command -v run-clang-tidy-16 || command -v run-clang-tidy)"
files=()
for folder in "${folders[@]}"; do
  while IFS= read -r file; do files+=("$PWD/$file"); done < <(git ls-files "$folder/*.cc")
done
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
"$runner" -quiet -clang-tidy-binary "$tidy" -p build -j "$(nproc)" "${files[@]}" >"$log" 2>&1 || true
grep -E '(warning|error): ' "$log" | sort -u || true
count="$(grep -cE '(warning|error): ' "$log" || true)"
echo "clang-tidy: ${#files[@]} files, ${count:-0} findings"
[ "${count:-0}" -eq 0 ]
