// What a fetch or a file read observed, as the store wants to hear it: pure functions from
// responses and bodies to store::Observation (the store's type; the store knows no HTTP).
// Any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "store/state_store.h"
#include "watchers/directory.h"
#include "watchers/fetcher.h"
#include "watchers/normalize.h"

namespace freshd::watchers {

store::Observation ErrorObservation(std::int64_t now_ms, FetchError error,
                                    const std::string& message);

store::Observation GoneObservation(std::int64_t now_ms);

// What normalizing a body gave, besides the observation: the text (for the volatility
// probe), how many volatile fragments the document's masks hid, and how many ill-formed
// UTF-8 sequences were replaced by U+FFFD.
struct Normalized {
  std::string text;
  std::size_t masked = 0;
  std::size_t invalid_utf8 = 0;
  formats::Format format = formats::Format::kText;
  bool truncated = false;  // Normalizer::Result::truncated
};

// Normalizes (Normalizer::NormalizeBody, with the document's volatile masks) and hashes a
// body; a body that cannot be decoded (an unknown charset, malformed markup, a damaged
// PDF) is a `parse` error. Binary data of no format freshd reads is fetched and
// `unsupported`: its bytes are hashed (a new image is still a change), and it has no text.
store::Observation ContentObservation(std::int64_t now_ms, const Normalizer& normalizer,
                                      std::string_view body, std::string_view content_type,
                                      std::string_view uri, std::string_view charset,
                                      const std::vector<std::string>& masks,
                                      Normalized* normalized);

// A 404 or 410 is the document's removal, and still a failed fetch (`http_4xx`); a 304 is
// "not modified"; any other failure an error with its reason.
store::Observation HttpObservation(std::int64_t now_ms, const Normalizer& normalizer,
                                   const HttpResponse& response, const std::string& uri,
                                   const std::vector<std::string>& masks, Normalized* normalized);

// A file's validator, in place of an ETag: unchanged size and mtime mean not modified.
std::string FileValidator(const FileEntry& file);

std::string FileUri(const std::string& root, const std::string& relative_path);

}  // namespace freshd::watchers
