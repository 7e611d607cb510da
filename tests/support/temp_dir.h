// A fresh folder under $TMPDIR, removed with everything in it when the object dies.
#pragma once

#include <filesystem>
#include <string>

namespace freshd::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// Writes `content` to `path`, creating parent folders.
void WriteFile(const std::filesystem::path& path, const std::string& content);
std::string ReadFile(const std::filesystem::path& path);

// A TCP port on 127.0.0.1 that was free when asked (bound, then released).
int FreePort();

}  // namespace freshd::testing
