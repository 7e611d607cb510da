// Directory sources: the files under a root that match a glob.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "watchers/fetch_error.h"

namespace freshd::watchers {

// `*` and `?` do not cross '/', `**` matches any number of whole folders ("**/*.md"
// matches "a.md" and "x/y/a.md"), `[abc]` character classes.
bool GlobMatch(std::string_view pattern, std::string_view relative_path);

struct FileEntry {
  std::string relative_path;  // from root, '/'-separated
  std::int64_t mtime_ns = 0;
  std::uint64_t size = 0;
};

struct DirectoryScan {
  FetchError error = FetchError::kNone;  // kIo when root is missing or unreadable
  std::string message;
  std::vector<FileEntry> files;  // sorted by relative_path
};

// Regular files under root matching glob. Symbolic links are followed only while their
// target stays inside root; links that leave it, and link loops, are skipped.
DirectoryScan ScanDirectory(const std::string& root, std::string_view glob);

struct FileContent {
  FetchError error = FetchError::kNone;  // kTooLarge over max_bytes, kIo on read failure
  std::string message;
  std::string body;
};

FileContent ReadFileCapped(const std::string& path, std::uint64_t max_bytes);

}  // namespace freshd::watchers
