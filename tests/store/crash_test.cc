// kill -9 loses no recorded check: a child process records changes as fast as it can and
// reports each Record() that returned; it is killed at a random moment, and every check
// it reported must be in the reopened store, each document's record consistent with its
// history.
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>
#include <numeric>
#include <random>
#include <vector>

#include "store/state_store.h"
#include "tests/store/crash_protocol.h"
#include "tests/store/status_testing.h"
#include "tests/store/store_test_util.h"
#include "tests/support/temp_dir.h"

namespace freshd::store {
namespace {

using freshd::testing::Ok;

using Clock = std::chrono::steady_clock;

struct Child {
  pid_t pid = -1;
  int reports = -1;  // read end of the child's stdout
};

Child StartChild(const std::string& dir) {
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {  // only async-signal-safe calls until exec
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    close(fds[1]);
    execl(FRESHD_CRASH_CHILD, FRESHD_CRASH_CHILD, dir.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(fds[1]);
  return {pid, fds[0]};
}

// Reads the child's reports; SIGKILLs it once `kill_after` have arrived, then drains what it
// wrote before dying. Returns the reported indices in order.
std::vector<std::uint32_t> ReadReportsAndKill(const Child& child, std::size_t kill_after,
                                              Clock::time_point deadline) {
  std::vector<std::uint32_t> reported;
  std::string pending;
  bool killed = false;
  for (;;) {
    if (!killed && (reported.size() >= kill_after || Clock::now() > deadline)) {
      kill(child.pid, SIGKILL);
      killed = true;
    }
    pollfd poll_fd{child.reports, POLLIN, 0};
    if (poll(&poll_fd, 1, 100) <= 0) continue;
    char buffer[4096];
    ssize_t n = read(child.reports, buffer, sizeof(buffer));
    if (n <= 0) break;  // EOF: the child is dead
    pending.append(buffer, static_cast<std::size_t>(n));
    std::size_t whole = pending.size() / 4 * 4;
    for (std::size_t at = 0; at < whole; at += 4) {
      std::uint32_t index;
      std::memcpy(&index, pending.data() + at, 4);
      reported.push_back(index);
    }
    pending.erase(0, whole);
  }
  close(child.reports);
  int status = 0;
  REQUIRE(waitpid(child.pid, &status, 0) == child.pid);
  INFO("child status " << status);
  REQUIRE(WIFSIGNALED(status));  // not a failure exit of its own
  REQUIRE(WTERMSIG(status) == SIGKILL);
  return reported;
}

// Every reported check is stored, and each document's record agrees with its history.
void CheckSurvivors(const std::string& dir, const std::vector<std::uint32_t>& reported) {
  const std::uint32_t count = static_cast<std::uint32_t>(reported.size());
  std::vector<std::uint32_t> in_order(count);
  std::iota(in_order.begin(), in_order.end(), 0u);
  REQUIRE(reported == in_order);
  auto store = Ok(StateStore::Open(dir, {}));

  std::uint64_t stored = 0;
  for (std::uint32_t doc = 0; doc < crash::kDocuments; ++doc) {
    const DocumentKey key = crash::KeyOf(doc);
    INFO("document " << doc << ", " << count << " checks reported");
    Result<DocumentRecord> record = store->Get(key);
    if (record.status().IsNotFound()) {
      CHECK(count <= doc);  // none of its checks was reported
      continue;
    }
    REQUIRE(record.ok());
    std::vector<CheckRecord> history = Ok(store->History(key, crash::kHistoryBound));
    REQUIRE(history.size() == record->checks);
    REQUIRE(record->history_next_seq - record->history_oldest_seq == record->checks);
    CHECK(record->changes == record->checks - 1);  // the first one was new
    CHECK(record->content_hash == history.front().content_hash);
    // Newest first: the document's indices doc + 4k, with no gap, from the top down.
    std::vector<std::string> hashes, expected_hashes;
    std::vector<std::int64_t> times, expected_times;
    for (std::size_t k = 0; k < history.size(); ++k) {
      std::uint32_t index = doc + crash::kDocuments * (history.size() - 1 - k);
      hashes.push_back(history[k].content_hash);
      expected_hashes.push_back(crash::HashOf(index));
      times.push_back(history[k].time_ms);
      expected_times.push_back(crash::TimeOf(index));
    }
    CHECK(hashes == expected_hashes);
    CHECK(times == expected_times);
    // Everything reported for it is there; at most the one unreported Record() more.
    std::uint32_t reported_here = count > doc ? (count - doc - 1) / crash::kDocuments + 1 : 0;
    CHECK(record->checks >= reported_here);
    CHECK(record->checks <= reported_here + 1);
    stored += record->checks;
  }
  CHECK(stored >= count);
  CHECK(stored <= count + 1);
}

TEST_CASE("kill -9 loses no recorded check") {
  std::random_device entropy;
  const unsigned seed = entropy();
  std::mt19937 random(seed);
  INFO("seed " << seed);
  // Each round takes some 50 ms; a loaded machine runs fewer of them, never longer.
  constexpr int kRounds = 8;
  const Clock::time_point deadline = Clock::now() + std::chrono::seconds(4);
  for (int round = 0; round < kRounds && Clock::now() < deadline; ++round) {
    freshd::testing::TempDir dir;
    const std::string path = dir / "state";
    const std::size_t kill_after = std::uniform_int_distribution<std::size_t>(1, 3000)(random);
    INFO("round " << round << ", kill after " << kill_after << " reports");
    std::vector<std::uint32_t> reported =
        ReadReportsAndKill(StartChild(path), kill_after, deadline);
    INFO(reported.size() << " reported before the kill");
    REQUIRE(!reported.empty());  // else the child made no record in the time allowed
    CheckSurvivors(path, reported);
  }
}

}  // namespace
}  // namespace freshd::store
