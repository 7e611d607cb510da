#include "watchers/observe.h"

#include "watchers/listing.h"

namespace freshd::watchers {

using store::Observation;

Observation ErrorObservation(std::int64_t now_ms, FetchError error, const std::string& message) {
  Observation observation;
  observation.kind = Observation::Kind::kError;
  observation.time_ms = now_ms;
  observation.error_reason = std::string(ToLabel(error));
  observation.error_message = message;
  return observation;
}

Observation GoneObservation(std::int64_t now_ms) {
  Observation gone;
  gone.kind = Observation::Kind::kGone;
  gone.time_ms = now_ms;
  return gone;
}

Observation ContentObservation(std::int64_t now_ms, const Normalizer& normalizer,
                               std::string_view body, std::string_view content_type,
                               std::string_view uri, std::string_view charset,
                               const std::vector<std::string>& masks, Normalized* normalized) {
  auto result = normalizer.NormalizeBody(body, content_type, uri, charset, masks);
  if (result.error != FetchError::kNone) {
    return ErrorObservation(now_ms, result.error, result.message);
  }
  Observation observation;
  observation.kind = Observation::Kind::kFetched;
  observation.time_ms = now_ms;
  observation.unsupported = result.unsupported;
  observation.content_hash = ContentHash(result.unsupported ? body : result.text);
  normalized->masked = result.masked;
  normalized->invalid_utf8 = result.invalid_utf8;
  normalized->format = result.format;
  normalized->truncated = result.truncated;
  normalized->text = std::move(result.text);
  return observation;
}

Observation HttpObservation(std::int64_t now_ms, const Normalizer& normalizer,
                            const HttpResponse& response, const std::string& uri,
                            const std::vector<std::string>& masks, Normalized* normalized) {
  if (response.error == FetchError::kHttp4xx &&
      (response.status == 404 || response.status == 410)) {
    Observation gone = GoneObservation(now_ms);
    gone.error_reason = std::string(ToLabel(response.error));
    gone.error_message = "HTTP " + std::to_string(response.status);
    return gone;
  }
  if (response.error != FetchError::kNone) {
    return ErrorObservation(now_ms, response.error, response.message);
  }
  if (response.not_modified) {
    Observation observation;
    observation.kind = Observation::Kind::kNotModified;
    observation.time_ms = now_ms;
    return observation;
  }
  Observation observation =
      ContentObservation(now_ms, normalizer, response.body, response.content_type, uri,
                         response.charset, masks, normalized);
  if (observation.kind == Observation::Kind::kFetched) {
    observation.etag = response.etag;
    observation.last_modified = response.last_modified;
    if (auto seconds = ParseRfc822DateTime(response.last_modified)) {
      observation.modified_ms = *seconds * 1000;
    }
  }
  return observation;
}

std::string FileValidator(const FileEntry& file) {
  return std::to_string(file.size) + "-" + std::to_string(file.mtime_ns);
}

std::string FileUri(const std::string& root, const std::string& relative_path) {
  std::string path = root;
  if (!path.empty() && path.back() != '/') path += '/';
  return "file://" + path + relative_path;
}

}  // namespace freshd::watchers
