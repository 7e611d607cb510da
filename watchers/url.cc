#include "watchers/url.h"

#include <cctype>

namespace freshd::watchers {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsSchemeChar(char c) { return IsAlpha(c) || IsDigit(c) || c == '+' || c == '-' || c == '.'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

std::string Lowered(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

struct UriParts {
  std::string scheme;
  bool has_authority = false;
  std::string authority;
  std::string path;
  bool has_query = false;
  std::string query;
  bool has_fragment = false;
  std::string fragment;
};

// The split of RFC 3986 appendix B.
UriParts SplitUri(std::string_view uri) {
  UriParts parts;
  const std::size_t colon = uri.find(':');
  if (colon != std::string_view::npos && colon > 0 && IsAlpha(uri[0]) &&
      uri.substr(0, colon).find_first_of("/?#") == std::string_view::npos) {
    const std::string_view scheme = uri.substr(0, colon);
    bool valid = true;
    for (char c : scheme) valid = valid && IsSchemeChar(c);
    if (valid) {
      parts.scheme = std::string(scheme);
      uri.remove_prefix(colon + 1);
    }
  }
  if (uri.starts_with("//")) {
    uri.remove_prefix(2);
    const std::size_t end = uri.find_first_of("/?#");
    parts.has_authority = true;
    parts.authority = std::string(uri.substr(0, end));
    uri.remove_prefix(end == std::string_view::npos ? uri.size() : end);
  }
  const std::size_t hash = uri.find('#');
  if (hash != std::string_view::npos) {
    parts.has_fragment = true;
    parts.fragment = std::string(uri.substr(hash + 1));
    uri = uri.substr(0, hash);
  }
  const std::size_t question = uri.find('?');
  if (question != std::string_view::npos) {
    parts.has_query = true;
    parts.query = std::string(uri.substr(question + 1));
    uri = uri.substr(0, question);
  }
  parts.path = std::string(uri);
  return parts;
}

void RemoveLastSegment(std::string* output) {
  const std::size_t slash = output->rfind('/');
  output->erase(slash == std::string::npos ? 0 : slash);
}

// RFC 3986 section 5.2.4.
std::string RemoveDotSegments(std::string_view input) {
  std::string output;
  std::string_view in = input;
  while (!in.empty()) {
    if (in.starts_with("../")) {
      in.remove_prefix(3);
    } else if (in.starts_with("./")) {
      in.remove_prefix(2);
    } else if (in.starts_with("/./")) {
      in.remove_prefix(2);
    } else if (in == "/.") {
      in = "/";
    } else if (in.starts_with("/../")) {
      in.remove_prefix(3);
      RemoveLastSegment(&output);
    } else if (in == "/..") {
      in = "/";
      RemoveLastSegment(&output);
    } else if (in == "." || in == "..") {
      in = {};
    } else {
      const std::size_t next = in.find('/', 1);
      const std::size_t length = next == std::string_view::npos ? in.size() : next;
      output.append(in.substr(0, length));
      in.remove_prefix(length);
    }
  }
  return output;
}

// RFC 3986 section 5.2.3.
std::string MergePaths(const UriParts& base, std::string_view reference_path) {
  if (base.has_authority && base.path.empty()) return "/" + std::string(reference_path);
  const std::size_t slash = base.path.rfind('/');
  if (slash == std::string::npos) return std::string(reference_path);
  return base.path.substr(0, slash + 1) + std::string(reference_path);
}

std::string Recompose(const UriParts& parts) {
  std::string out;
  if (!parts.scheme.empty()) out += parts.scheme + ":";
  if (parts.has_authority) out += "//" + parts.authority;
  out += parts.path;
  if (parts.has_query) out += "?" + parts.query;
  if (parts.has_fragment) out += "#" + parts.fragment;
  return out;
}

// "user:pass@host:8080" -> "host:8080".
std::string_view HostAndPort(std::string_view authority) {
  const std::size_t at = authority.rfind('@');
  return at == std::string_view::npos ? authority : authority.substr(at + 1);
}

std::string_view DefaultPort(std::string_view scheme) {
  if (scheme == "http") return "80";
  if (scheme == "https") return "443";
  return "";
}

// "https://example.com:443" for "HTTPS://user@Example.com/a"; "" without a host.
std::string Origin(std::string_view url) {
  const UriParts parts = SplitUri(Trim(url));
  const std::string scheme = Lowered(parts.scheme);
  std::string_view host = HostAndPort(parts.authority);
  std::string_view port;
  const std::size_t colon = host.rfind(':');
  if (colon != std::string_view::npos && host.find(']', colon) == std::string_view::npos) {
    port = host.substr(colon + 1);
    host = host.substr(0, colon);
  }
  if (scheme.empty() || host.empty()) return "";
  if (port.empty()) port = DefaultPort(scheme);
  return scheme + "://" + Lowered(host) + ":" + std::string(port);
}

}  // namespace

std::string ResolveUrl(std::string_view base_url, std::string_view reference) {
  reference = Trim(reference);
  base_url = Trim(base_url);
  if (base_url.empty()) return std::string(reference);
  const UriParts ref = SplitUri(reference);
  const UriParts base = SplitUri(base_url);
  UriParts target;
  if (!ref.scheme.empty()) {
    target = ref;
    target.path = RemoveDotSegments(ref.path);
  } else {
    target.scheme = base.scheme;
    if (ref.has_authority) {
      target.has_authority = true;
      target.authority = ref.authority;
      target.path = RemoveDotSegments(ref.path);
      target.has_query = ref.has_query;
      target.query = ref.query;
    } else {
      target.has_authority = base.has_authority;
      target.authority = base.authority;
      if (ref.path.empty()) {
        target.path = base.path;
        target.has_query = ref.has_query || base.has_query;
        target.query = ref.has_query ? ref.query : base.query;
      } else {
        target.path =
            RemoveDotSegments(ref.path.starts_with('/') ? ref.path : MergePaths(base, ref.path));
        target.has_query = ref.has_query;
        target.query = ref.query;
      }
    }
  }
  target.has_fragment = ref.has_fragment;
  target.fragment = ref.fragment;
  return Recompose(target);
}

std::string UrlScheme(std::string_view url) { return Lowered(SplitUri(Trim(url)).scheme); }

std::string WithoutUserinfo(std::string_view url) {
  UriParts parts = SplitUri(url);
  if (!parts.has_authority || parts.authority.find('@') == std::string::npos) {
    return std::string(url);
  }
  parts.authority = std::string(HostAndPort(parts.authority));
  return Recompose(parts);
}

bool SameOrigin(std::string_view a, std::string_view b) {
  const std::string origin = Origin(a);
  return !origin.empty() && origin == Origin(b);
}

}  // namespace freshd::watchers
