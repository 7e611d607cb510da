#!/usr/bin/env bash
# Builds freshd and its tests with AddressSanitizer and UndefinedBehaviorSanitizer into
# build-asan/ and runs every test there: a finding fails the test that made it. CI runs
# this after scripts/test.sh. Extra arguments go to ctest (e.g. -R engine).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
source scripts/ccache-env.sh
# GCC's -Wmaybe-uninitialized gives false positives under the sanitizers (in std::regex).
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g -Wno-maybe-uninitialized" \
  -DFRESHD_SANITIZE=address,undefined -DFRESHD_WERROR=ON "${launcher[@]}" >/dev/null
cmake --build build-asan --parallel "$(nproc)"
# LeakSanitizer cannot run under ptrace: the seccomp test traces freshd with strace.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:detect_stack_use_after_return=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
# Leaks inside Debian's libgit2 itself (see the file) are not ours to fix.
export LSAN_OPTIONS="suppressions=$PWD/scripts/lsan.supp:print_suppressions=0"
# Not here: the test that exhausts freshd's file descriptors on purpose. UBSan checks a vptr
# by probing memory through a pipe(), so with no descriptor left every virtual call is
# reported as an "invalid vptr" (a suppression cannot match it: symbolizing needs one too).
cd build-asan
ctest --output-on-failure --timeout 600 -j "$(nproc)" \
  -E 'systemd_unit_seccomp_filter|out of file descriptors' "$@"
ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0" ctest --output-on-failure --timeout 600 \
  -R 'systemd_unit_seccomp_filter' "$@"
