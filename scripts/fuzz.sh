#!/usr/bin/env bash
# Builds the libFuzzer harnesses (fuzz/) with clang-16 into build-fuzz/ and runs each for
# SECONDS (default 20) over its seed corpus and its regression inputs, after running every
# regression input once. New inputs go to a temporary folder: the repository is not
# modified. A crash leaves its input in build-fuzz/artifacts/<target>/ and fails the run; to
# keep it as a regression input, copy it into fuzz/regressions/<target>/.
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]   (targets: config normalizer listings ...)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-20}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(config normalizer listings chunker records store_records http_request extract)

scripts/install-deps.sh
source scripts/ccache-env.sh
CC=clang-16 CXX=clang++-16 cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DFRESHD_FUZZ=ON -DFRESHD_BUILD_TESTS=OFF "${launcher[@]}" >/dev/null
cmake --build build-fuzz --parallel "$(nproc)" --target "${targets[@]/#/fuzz_}"

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
# Stack traces with function names and lines (the sanitizers do not search PATH themselves).
if symbolizer="$(command -v llvm-symbolizer)"; then
  export ASAN_SYMBOLIZER_PATH="$symbolizer" UBSAN_SYMBOLIZER_PATH="$symbolizer"
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failed=()

# Regression inputs first: each once, so that a known crash is reported by its file name.
for target in "${targets[@]}"; do
  inputs=()
  for file in "fuzz/regressions/$target"/*; do
    [ -f "$file" ] && [ "$(basename "$file")" != .gitkeep ] && inputs+=("$file")
  done
  [ ${#inputs[@]} -gt 0 ] || continue
  if ! "build-fuzz/fuzz/fuzz_$target" "${inputs[@]}" >"$work/$target.regressions.log" 2>&1; then
    echo "fuzz_$target: a regression input fails again (log: build-fuzz/logs/$target.regressions.log)"
    failed+=("$target (regressions)")
  fi
  mkdir -p build-fuzz/logs && cp "$work/$target.regressions.log" build-fuzz/logs/
done

summary=()
for target in "${targets[@]}"; do
  mkdir -p "$work/$target" "build-fuzz/artifacts/$target" build-fuzz/logs
  log="build-fuzz/logs/$target.log"
  echo "fuzz_$target: ${seconds}s"
  # The first folder receives new inputs; the repository's folders are only read.
  status=0
  "build-fuzz/fuzz/fuzz_$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="build-fuzz/artifacts/$target/" -print_final_stats=1 \
    "$work/$target" "fuzz/corpus/$target" "fuzz/regressions/$target" >"$log" 2>&1 || status=$?
  # The last status line: "#N DONE cov: C ft: F corp: ... exec/s: E rss: R".
  last="$(grep -E '^#[0-9]+' "$log" | tail -n 1)"
  cov="$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$last")"
  ft="$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<<"$last")"
  execs="$(sed -nE 's/^#([0-9]+).*/\1/p' <<<"$last")"
  rate="$(sed -nE 's/.*stat::average_exec_per_sec: *([0-9]+).*/\1/p' "$log")"
  result=ok
  if [ "$status" -ne 0 ]; then
    result="CRASH: $(grep -oE "Test unit written to [^ ]+" "$log" | sed 's/Test unit written to //' || true)"
    failed+=("$target")
    tail -n 40 "$log"
  fi
  summary+=("$(printf '%-14s %10s %8s %8s %12s  %s' "$target" "${rate:-?}" "${cov:-?}" "${ft:-?}" \
    "${execs:-?}" "$result")")
done

echo
printf '%-14s %10s %8s %8s %12s  %s\n' target exec/s cov ft executions result
printf '%s\n' "${summary[@]}"
echo "logs: build-fuzz/logs/"
if [ ${#failed[@]} -gt 0 ]; then
  echo "failed: ${failed[*]}"
  exit 1
fi
