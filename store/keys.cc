#include "store/keys.h"

namespace freshd::store {

std::string DocumentKeyBytes(const DocumentKey& key) {
  std::string bytes;
  bytes.reserve(key.source.size() + 1 + key.uri.size());
  bytes.append(key.source).push_back('\0');
  bytes.append(key.uri);
  return bytes;
}

std::string HistoryPrefix(std::string_view document_key) {
  std::string prefix(document_key);
  prefix.push_back('\0');
  return prefix;
}

std::string PrefixEnd(std::string_view prefix) {
  std::string end(prefix);
  end.back() = '\1';
  return end;
}

std::string HistoryKey(std::string_view prefix, std::uint64_t seq) {
  std::string key(prefix);
  for (int shift = 56; shift >= 0; shift -= 8) key.push_back(static_cast<char>(seq >> shift));
  return key;
}

std::uint64_t HistorySeq(std::string_view key) {
  std::uint64_t seq = 0;
  if (key.size() < 8) return seq;
  for (std::size_t i = key.size() - 8; i < key.size(); ++i) {
    seq = (seq << 8) | static_cast<unsigned char>(key[i]);
  }
  return seq;
}

DocumentKey SplitDocumentKey(std::string_view bytes) {
  std::string_view view = bytes;
  std::size_t nul = view.find('\0');
  if (nul == std::string_view::npos) return {std::string(view), ""};
  return {std::string(view.substr(0, nul)), std::string(view.substr(nul + 1))};
}

namespace {

Status ValidateName(std::string_view what, std::string_view name) {
  if (name.empty()) return Status::InvalidArgument(std::string(what) + " is empty");
  if (name.find('\0') != std::string_view::npos) {
    return Status::InvalidArgument(std::string(what) + " contains NUL");
  }
  return Status::OK();
}

}  // namespace

Status ValidateKey(const DocumentKey& key) {
  Status status = ValidateName("source", key.source);
  return status.ok() ? ValidateName("uri", key.uri) : status;
}

std::string Printable(const DocumentKey& key) { return key.source + " " + key.uri; }

}  // namespace freshd::store
