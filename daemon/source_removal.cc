#include "daemon/source_removal.h"

#include <algorithm>
#include <charconv>

namespace freshd::daemon {
namespace {

std::set<std::string> SourceNames(const config::Config& config) {
  std::set<std::string> names;
  for (const auto& workload : config.workloads) {
    for (const auto& source : workload.sources) names.insert(source.name);
  }
  return names;
}

std::string Percent(double share) { return std::to_string(static_cast<int>(share * 100)) + "%"; }

}  // namespace

std::string RefuseSourceRemoval(const std::map<std::string, std::int64_t>& documents_by_source,
                                const config::Config& next) {
  const std::set<std::string> kept = SourceNames(next);
  std::int64_t total = 0;
  std::int64_t dropped = 0;
  std::string names;
  for (const auto& [name, documents] : documents_by_source) {
    total += documents;
    if (kept.contains(name)) continue;
    dropped += documents;
    names += (names.empty() ? "" : ", ") + name;
  }
  const double max_drop = next.defaults.max_listing_drop;
  if (total < static_cast<std::int64_t>(kDropGuardMinimumDocuments) ||
      static_cast<double>(dropped) <= max_drop * static_cast<double>(total)) {
    return "";
  }
  return "it takes out sources holding " + std::to_string(dropped) + " of the " +
         std::to_string(total) + " documents watched (" + names + "), more than max_listing_drop " +
         Percent(max_drop) +
         " at once; remove fewer sources per reload, or restart freshd to apply it (their "
         "chunks are kept for rag_store.removed_source_grace either way)";
}

std::string EncodeRoster(const SourceRoster& roster) {
  std::string text;
  for (const auto& [name, left_ms] : roster) {
    text += name + '\t' + std::to_string(left_ms) + '\n';
  }
  return text;
}

SourceRoster DecodeRoster(std::string_view text) {
  SourceRoster roster;
  while (!text.empty()) {
    const std::size_t end = std::min(text.find('\n'), text.size());
    const std::string_view line = text.substr(0, end);
    text.remove_prefix(std::min(end + 1, text.size()));
    const std::size_t tab = line.find('\t');
    const std::string_view name = line.substr(0, tab);
    if (name.empty()) continue;
    std::int64_t left_ms = 0;
    if (tab != std::string_view::npos) {
      const std::string_view number = line.substr(tab + 1);
      std::from_chars(number.data(), number.data() + number.size(), left_ms);
    }
    roster[std::string(name)] = left_ms;
  }
  return roster;
}

RosterUpdate UpdateRoster(const SourceRoster& before, const std::set<std::string>& configured,
                          std::int64_t now_ms, std::int64_t grace_ms) {
  RosterUpdate update;
  for (const std::string& name : configured) {
    const auto found = before.find(name);
    if (found != before.end() && found->second > 0) update.returned.push_back(name);
    update.next[name] = 0;
  }
  for (const auto& [name, left_ms] : before) {
    if (configured.contains(name)) continue;
    // 0 means "configured" in the roster: a source leaving at the epoch (a test's clock)
    // is stored as having left a millisecond later.
    const std::int64_t since = left_ms > 0 ? left_ms : std::max<std::int64_t>(now_ms, 1);
    if (left_ms == 0) update.left.push_back(name);
    if (now_ms - since >= grace_ms) {
      update.expired.push_back(name);
      continue;
    }
    update.next[name] = since;
    const std::int64_t expiry = since + grace_ms;
    if (!update.next_expiry_ms || expiry < *update.next_expiry_ms) update.next_expiry_ms = expiry;
  }
  return update;
}

}  // namespace freshd::daemon
