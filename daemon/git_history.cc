#include "daemon/git_history.h"

#include <algorithm>
#include <charconv>

namespace freshd::daemon {

std::string GitHistoryKey(const std::string& source, const std::string& uri) {
  return "git/history/" + source + "\n" + uri;
}

std::string GitWalkedKey(const std::string& source) { return "git/walked/" + source; }

std::string EncodeCommitTimes(const std::vector<std::int64_t>& oldest_first) {
  std::string text;
  for (std::int64_t time : oldest_first) {
    if (!text.empty()) text += ',';
    text += std::to_string(time);
  }
  return text;
}

std::vector<std::int64_t> DecodeCommitTimes(const std::string& text) {
  std::vector<std::int64_t> times;
  const char* begin = text.data();
  const char* const end = text.data() + text.size();
  while (begin < end) {
    std::int64_t time = 0;
    const auto parsed = std::from_chars(begin, end, time);
    if (parsed.ec == std::errc() && time > 0) times.push_back(time);
    begin = std::find(parsed.ptr, end, ',');
    if (begin < end) ++begin;
  }
  return times;
}

std::vector<std::int64_t> LoadCommitTimes(const store::StateStore& store, const std::string& source,
                                          const std::string& uri) {
  Result<std::string> stored = store.GetValue(GitHistoryKey(source, uri));
  return stored.ok() ? DecodeCommitTimes(*stored) : std::vector<std::int64_t>{};
}

Status StoreCommitTimes(store::StateStore& store, const std::string& source, const std::string& uri,
                        const std::vector<std::int64_t>& newest_first, bool replace) {
  std::vector<std::int64_t> times =
      replace ? std::vector<std::int64_t>{} : LoadCommitTimes(store, source, uri);
  times.insert(times.end(), newest_first.rbegin(), newest_first.rend());
  std::sort(times.begin(), times.end());
  times.erase(std::unique(times.begin(), times.end()), times.end());
  return store.PutValue(GitHistoryKey(source, uri), EncodeCommitTimes(times));
}

}  // namespace freshd::daemon
