#include "watchers/directory.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <exception>
#include <filesystem>
#include <limits>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace freshd::watchers {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kNpos = std::string_view::npos;
// Folders deeper than this under the root are not visited (a guard against link mazes).
constexpr int kMaxDepth = 64;

// ---------------------------------------------------------------------------------------
// Glob matching.

struct Char {
  char32_t code;
  std::size_t length;
};

// The UTF-8 character at s[i]; a byte that does not start a well-formed sequence is a
// character of its own.
Char DecodeChar(std::string_view s, std::size_t i) {
  const auto lead = static_cast<unsigned char>(s[i]);
  std::size_t length = 1;
  if ((lead >> 5) == 0x6) {
    length = 2;
  } else if ((lead >> 4) == 0xE) {
    length = 3;
  } else if ((lead >> 3) == 0x1E) {
    length = 4;
  }
  if (i + length > s.size()) return {lead, 1};
  char32_t code = lead & (0x7Fu >> length);
  for (std::size_t k = 1; k < length; ++k) {
    const auto next = static_cast<unsigned char>(s[i + k]);
    if ((next & 0xC0) != 0x80) return {lead, 1};
    code = (code << 6) | (next & 0x3F);
  }
  return {length == 1 ? lead : code, length};
}

// A literal pattern character at pattern[pos], after a backslash escape if there is one;
// `length` counts the backslash.
Char PatternChar(std::string_view pattern, std::size_t pos) {
  if (pattern[pos] == '\\' && pos + 1 < pattern.size()) {
    const Char escaped = DecodeChar(pattern, pos + 1);
    return {escaped.code, escaped.length + 1};
  }
  return DecodeChar(pattern, pos);
}

// Matches the class "[...]" that starts at pattern[pos] against `c`. Returns the position
// after the class, or npos when it is not terminated (the '[' is then a literal).
std::size_t MatchClass(std::string_view pattern, std::size_t pos, char32_t c, bool* matched) {
  std::size_t i = pos + 1;
  bool negate = false;
  if (i < pattern.size() && (pattern[i] == '!' || pattern[i] == '^')) {
    negate = true;
    ++i;
  }
  bool found = false;
  bool first = true;
  while (i < pattern.size()) {
    if (pattern[i] == ']' && !first) {
      *matched = found != negate;
      return i + 1;
    }
    first = false;
    const Char low = PatternChar(pattern, i);
    i += low.length;
    char32_t high = low.code;
    if (i + 1 < pattern.size() && pattern[i] == '-' && pattern[i + 1] != ']') {
      const Char upper = PatternChar(pattern, i + 1);
      high = upper.code;
      i += 1 + upper.length;
    }
    if (c >= low.code && c <= high) found = true;
  }
  return kNpos;
}

// Whether the pattern item at pattern[p] ('?', a class or a literal) matches the character
// at name[n], and where both continue.
bool ItemMatches(std::string_view pattern, std::size_t p, std::string_view name, std::size_t n,
                 std::size_t* next_p, std::size_t* next_n) {
  const Char c = DecodeChar(name, n);
  *next_n = n + c.length;
  if (pattern[p] == '?') {
    *next_p = p + 1;
    return true;
  }
  if (pattern[p] == '[') {
    bool matched = false;
    const std::size_t after = MatchClass(pattern, p, c.code, &matched);
    if (after != kNpos) {
      *next_p = after;
      return matched;
    }
  }
  const Char literal = PatternChar(pattern, p);
  *next_p = p + literal.length;
  return literal.code == c.code;
}

// One path segment against one pattern segment, where '*' matches any run of characters.
// Greedy with a single backtrack point: linear in practice, never exponential.
bool SegmentMatch(std::string_view pattern, std::string_view name) {
  std::size_t p = 0;
  std::size_t n = 0;
  std::size_t star_p = kNpos;
  std::size_t star_n = 0;
  while (n < name.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      while (p < pattern.size() && pattern[p] == '*') ++p;
      star_p = p;
      star_n = n;
      continue;
    }
    std::size_t next_p = 0;
    std::size_t next_n = 0;
    if (p < pattern.size() && ItemMatches(pattern, p, name, n, &next_p, &next_n)) {
      p = next_p;
      n = next_n;
      continue;
    }
    if (star_p == kNpos) return false;
    star_n += DecodeChar(name, star_n).length;
    n = star_n;
    p = star_p;
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

// "a//b/./c" -> {"a", "b", "c"}.
std::vector<std::string> SplitPath(std::string_view path) {
  std::vector<std::string> segments;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == kNpos) end = path.size();
    const std::string_view segment = path.substr(start, end - start);
    if (!segment.empty() && segment != ".") segments.emplace_back(segment);
    start = end + 1;
  }
  return segments;
}

// A glob as a small automaton over path segments: state i means "the first i pattern
// segments are matched"; a "**" segment may consume any number of path segments.
class Glob {
 public:
  explicit Glob(std::string_view pattern) : segments_(SplitPath(pattern)) {}

  bool Matches(std::string_view relative_path) const { return Run(relative_path).back() != 0; }

  // Whether a file somewhere under the folder `relative_dir` could match.
  bool MayMatchBelow(std::string_view relative_dir) const {
    const States states = Run(relative_dir);
    return std::find(states.begin(), states.end() - 1, 1) != states.end() - 1;
  }

 private:
  using States = std::vector<char>;

  bool IsGlobstar(std::size_t i) const { return segments_[i] == "**"; }

  void Close(States* states) const {
    for (std::size_t i = 0; i < segments_.size(); ++i) {
      if ((*states)[i] && IsGlobstar(i)) (*states)[i + 1] = 1;
    }
  }

  States Step(const States& states, std::string_view segment) const {
    States next(states.size(), 0);
    for (std::size_t i = 0; i < segments_.size(); ++i) {
      if (!states[i]) continue;
      if (IsGlobstar(i)) {
        next[i] = 1;
      } else if (SegmentMatch(segments_[i], segment)) {
        next[i + 1] = 1;
      }
    }
    Close(&next);
    return next;
  }

  States Run(std::string_view path) const {
    States states(segments_.size() + 1, 0);
    states[0] = 1;
    Close(&states);
    for (const std::string& segment : SplitPath(path)) {
      states = Step(states, segment);
      if (std::find(states.begin(), states.end(), 1) == states.end()) break;
    }
    return states;
  }

  std::vector<std::string> segments_;
};

// ---------------------------------------------------------------------------------------
// Scanning.

bool IsInside(const fs::path& root, const fs::path& candidate) {
  const std::string& base = root.native();
  const std::string& path = candidate.native();
  if (base == "/") return true;
  return path == base || (path.starts_with(base) && path[base.size()] == '/');
}

std::int64_t MtimeNanoseconds(const struct stat& st) {
  return static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 +
         static_cast<std::int64_t>(st.st_mtim.tv_nsec);
}

// A depth-first walk over real (canonical) folders. A symbolic link is followed when its
// canonical target lies inside the root and is not one of the folders the walk is already
// inside of (which would be a loop); its files are listed under the link's own path.
class Scanner {
 public:
  Scanner(fs::path root, std::string_view glob) : root_(std::move(root)), glob_(glob) {}

  std::vector<FileEntry> Run() {
    std::vector<Frame> pending;
    pending.push_back(Frame{root_, "", {root_.native()}, 0});
    while (!pending.empty()) {
      Frame frame = std::move(pending.back());
      pending.pop_back();
      ScanFolder(frame, &pending);
    }
    return std::move(files_);
  }

 private:
  struct Frame {
    fs::path real_dir;
    std::string relative;            // '/'-separated from the root, "" for the root
    std::vector<std::string> chain;  // real folders from the root down to this one
    int depth;
  };

  void ScanFolder(const Frame& frame, std::vector<Frame>* pending) {
    std::error_code ec;
    fs::directory_iterator it(frame.real_dir, fs::directory_options::skip_permission_denied, ec);
    // An unreadable or vanished folder below the root is skipped, not an error of the scan.
    for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
      HandleEntry(frame, *it, pending);
    }
  }

  void HandleEntry(const Frame& frame, const fs::directory_entry& entry,
                   std::vector<Frame>* pending) {
    const std::string name = entry.path().filename().native();
    const std::string relative = frame.relative.empty() ? name : frame.relative + "/" + name;
    std::error_code ec;
    const fs::file_status status = entry.symlink_status(ec);
    if (ec) return;
    if (fs::is_symlink(status)) {
      FollowLink(frame, entry.path(), relative, pending);
    } else if (fs::is_directory(status)) {
      EnterFolder(frame, entry.path(), relative, pending);
    } else if (fs::is_regular_file(status)) {
      AddFile(entry.path(), relative);
    }
  }

  void FollowLink(const Frame& frame, const fs::path& link, const std::string& relative,
                  std::vector<Frame>* pending) {
    std::error_code ec;
    const fs::path target = fs::canonical(link, ec);  // fails on dangling links and ELOOP
    if (ec || !IsInside(root_, target)) return;
    const fs::file_status status = fs::status(target, ec);
    if (ec) return;
    if (fs::is_directory(status)) {
      EnterFolder(frame, target, relative, pending);
    } else if (fs::is_regular_file(status)) {
      AddFile(target, relative);
    }
  }

  void EnterFolder(const Frame& frame, const fs::path& real_dir, const std::string& relative,
                   std::vector<Frame>* pending) {
    if (frame.depth + 1 > kMaxDepth || !glob_.MayMatchBelow(relative)) return;
    if (std::find(frame.chain.begin(), frame.chain.end(), real_dir.native()) != frame.chain.end()) {
      return;  // a link back into a folder the walk is inside of
    }
    Frame child{real_dir, relative, frame.chain, frame.depth + 1};
    child.chain.push_back(real_dir.native());
    pending->push_back(std::move(child));
  }

  void AddFile(const fs::path& real_path, const std::string& relative) {
    if (!glob_.Matches(relative)) return;
    struct stat st {};
    if (::stat(real_path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return;
    files_.push_back(
        FileEntry{relative, MtimeNanoseconds(st), static_cast<std::uint64_t>(st.st_size)});
  }

  fs::path root_;
  Glob glob_;
  std::vector<FileEntry> files_;
};

DirectoryScan ScanFailure(std::string message) {
  DirectoryScan scan;
  scan.error = FetchError::kIo;
  scan.message = std::move(message);
  return scan;
}

// ---------------------------------------------------------------------------------------
// Reading.

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }

 private:
  int fd_;
};

std::string ErrnoMessage(int error) { return std::generic_category().message(error); }

FileContent ReadFailure(FetchError error, std::string message) {
  FileContent content;
  content.error = error;
  content.message = std::move(message);
  return content;
}

FileContent TooLarge(const std::string& path, std::uint64_t max_bytes) {
  return ReadFailure(FetchError::kTooLarge,
                     path + " is larger than the limit of " + std::to_string(max_bytes) + " bytes");
}

// Reads until end of file or until `limit` bytes are in `body`.
bool ReadUpTo(int fd, std::uint64_t limit, std::string* body, int* error) {
  std::array<char, 64 * 1024> chunk;
  while (body->size() < limit) {
    const std::uint64_t want = std::min<std::uint64_t>(chunk.size(), limit - body->size());
    const ssize_t got = ::read(fd, chunk.data(), static_cast<std::size_t>(want));
    if (got < 0) {
      if (errno == EINTR) continue;
      *error = errno;
      return false;
    }
    if (got == 0) break;
    body->append(chunk.data(), static_cast<std::size_t>(got));
  }
  return true;
}

}  // namespace

bool GlobMatch(std::string_view pattern, std::string_view relative_path) {
  return Glob(pattern).Matches(relative_path);
}

DirectoryScan ScanDirectory(const std::string& root, std::string_view glob) {
  try {
    std::error_code ec;
    const fs::path canonical_root = fs::canonical(root, ec);
    if (ec) return ScanFailure("cannot open directory \"" + root + "\": " + ec.message());
    if (!fs::is_directory(canonical_root, ec)) {
      return ScanFailure("\"" + root + "\" is not a directory");
    }
    fs::directory_iterator probe(canonical_root, ec);
    if (ec) return ScanFailure("cannot read directory \"" + root + "\": " + ec.message());
    DirectoryScan scan;
    scan.files = Scanner(canonical_root, glob).Run();
    std::sort(scan.files.begin(), scan.files.end(), [](const FileEntry& a, const FileEntry& b) {
      return a.relative_path < b.relative_path;
    });
    return scan;
  } catch (const std::exception& e) {
    return ScanFailure("scanning \"" + root + "\" failed: " + e.what());
  }
}

// O_NONBLOCK keeps a FIFO from blocking the open; anything but a regular file is refused.
FileContent ReadFileCapped(const std::string& path, std::uint64_t max_bytes) {
  try {
    FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
    if (!fd.valid())
      return ReadFailure(FetchError::kIo, "cannot open " + path + ": " + ErrnoMessage(errno));
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) {
      return ReadFailure(FetchError::kIo, "cannot stat " + path + ": " + ErrnoMessage(errno));
    }
    if (!S_ISREG(st.st_mode)) return ReadFailure(FetchError::kIo, path + " is not a regular file");
    if (static_cast<std::uint64_t>(st.st_size) > max_bytes) {
      return TooLarge(path, max_bytes);  // without reading a byte
    }
    // One byte more than allowed tells a file that grew since fstat from one that fits.
    const std::uint64_t limit =
        max_bytes == std::numeric_limits<std::uint64_t>::max() ? max_bytes : max_bytes + 1;
    FileContent content;
    int error = 0;
    if (!ReadUpTo(fd.get(), limit, &content.body, &error)) {
      return ReadFailure(FetchError::kIo, "cannot read " + path + ": " + ErrnoMessage(error));
    }
    if (content.body.size() > max_bytes) return TooLarge(path, max_bytes);
    return content;
  } catch (const std::exception& e) {
    return ReadFailure(FetchError::kIo, "reading " + path + " failed: " + e.what());
  }
}

}  // namespace freshd::watchers
