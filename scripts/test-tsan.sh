#!/usr/bin/env bash
# Builds the tests whose code runs on more than one thread with ThreadSanitizer into
# build-tsan/ and runs them (CTest label `threaded`): the store (concurrent records, the
# outbox), the RAG delivery loop and embedders (threads of their own), the daemon's HTTP
# server, the HTTP client, and the engine (event loop plus worker pool, on a fake fetcher and
# a manual clock). A data race fails the test that made it. CI runs this after the ASan+UBSan
# run. Extra arguments go to ctest.
#
# Not here: the integration tests, which run whole daemons against real servers and wait in
# real seconds; under TSan's 5-15x slowdown their waits time out rather than find races.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
source scripts/ccache-env.sh
# -Wno-tsan: GCC warns that std::atomic_thread_fence is not instrumented (Asio uses it).
cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g -Wno-maybe-uninitialized -Wno-tsan" \
  -DFRESHD_SANITIZE=thread -DFRESHD_WERROR=ON "${launcher[@]}" >/dev/null
targets=(store_test store_fault_test rag_core_test rag_indexer_test rag_embedded_test daemon_test
         engine_test http_client_test)
cmake --build build-tsan --parallel "$(nproc)" --target "${targets[@]}"
# ignore_noninstrumented_modules: a memcpy that RocksDB or libstdc++ (neither instrumented)
# makes on memory it hands between its own threads is not a race TSan can judge.
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:history_size=4:ignore_noninstrumented_modules=1:suppressions=$PWD/scripts/tsan.supp"
cd build-tsan
ctest --output-on-failure --timeout 600 -j "$(nproc)" -L threaded "$@"
