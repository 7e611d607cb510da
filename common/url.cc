#include "common/url.h"

#include <curl/curl.h>

#include <memory>

#include "common/strings.h"

namespace freshd::url {
namespace {

bool IsSchemeChar(char c) {
  return strings::IsAsciiAlpha(c) || strings::IsAsciiDigit(c) || c == '+' || c == '-' || c == '.';
}

// Whitespace that may surround a URL in a document (RFC 3986 appendix C).
std::string_view TrimUrl(std::string_view url) { return strings::Trim(url, " \t\n\r\f"); }

void RemoveLastSegment(std::string* output) {
  const std::size_t slash = output->rfind('/');
  output->erase(slash == std::string::npos ? 0 : slash);
}

// RFC 3986 section 5.2.4.
std::string RemoveDotSegments(std::string_view in) {
  std::string output;
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
std::string MergePaths(const UrlParts& base, std::string_view reference_path) {
  if (base.has_authority && base.path.empty()) return "/" + std::string(reference_path);
  const std::size_t slash = base.path.rfind('/');
  if (slash == std::string::npos) return std::string(reference_path);
  return base.path.substr(0, slash + 1) + std::string(reference_path);
}

// Where the userinfo of an authority ends: its last '@', or npos without one.
std::size_t UserinfoEnd(std::string_view authority) { return authority.rfind('@'); }

struct CurluDeleter {
  void operator()(CURLU* handle) const { curl_url_cleanup(handle); }
};
struct CurlTextDeleter {
  void operator()(char* text) const { curl_free(text); }
};
using CurlText = std::unique_ptr<char, CurlTextDeleter>;

CurlText GetPart(CURLU* handle, CURLUPart part, unsigned int flags) {
  char* text = nullptr;
  if (curl_url_get(handle, part, &text, flags) != CURLUE_OK) return nullptr;
  return CurlText(text);
}

// "https://example.com:443" for "HTTPS://user@Example.com/a"; "" without a host.
std::string Origin(std::string_view url) {
  const std::string text(TrimUrl(url));
  std::unique_ptr<CURLU, CurluDeleter> handle(curl_url());
  if (!handle || curl_url_set(handle.get(), CURLUPART_URL, text.c_str(),
                              CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK) {
    return "";
  }
  const CurlText scheme = GetPart(handle.get(), CURLUPART_SCHEME, 0);
  const CurlText host = GetPart(handle.get(), CURLUPART_HOST, 0);
  const CurlText port = GetPart(handle.get(), CURLUPART_PORT, CURLU_DEFAULT_PORT);
  if (!scheme || !host || *host.get() == '\0') return "";
  return strings::AsciiLowered(scheme.get()) + "://" + strings::AsciiLowered(host.get()) + ":" +
         (port ? port.get() : "");
}

}  // namespace

UrlParts SplitUrl(std::string_view url) {
  UrlParts parts;
  const std::size_t colon = url.find(':');
  if (colon != std::string_view::npos && colon > 0 && strings::IsAsciiAlpha(url[0]) &&
      url.substr(0, colon).find_first_of("/?#") == std::string_view::npos) {
    const std::string_view scheme = url.substr(0, colon);
    bool valid = true;
    for (char c : scheme) valid = valid && IsSchemeChar(c);
    if (valid) {
      parts.scheme = std::string(scheme);
      url.remove_prefix(colon + 1);
    }
  }
  if (url.starts_with("//")) {
    url.remove_prefix(2);
    const std::size_t end = url.find_first_of("/?#");
    parts.has_authority = true;
    parts.authority = std::string(url.substr(0, end));
    url.remove_prefix(end == std::string_view::npos ? url.size() : end);
  }
  const std::size_t hash = url.find('#');
  if (hash != std::string_view::npos) {
    parts.has_fragment = true;
    parts.fragment = std::string(url.substr(hash + 1));
    url = url.substr(0, hash);
  }
  const std::size_t question = url.find('?');
  if (question != std::string_view::npos) {
    parts.has_query = true;
    parts.query = std::string(url.substr(question + 1));
    url = url.substr(0, question);
  }
  parts.path = std::string(url);
  return parts;
}

std::string JoinUrl(const UrlParts& parts) {
  std::string out;
  if (!parts.scheme.empty()) out += parts.scheme + ":";
  if (parts.has_authority) out += "//" + parts.authority;
  out += parts.path;
  if (parts.has_query) out += "?" + parts.query;
  if (parts.has_fragment) out += "#" + parts.fragment;
  return out;
}

std::string ResolveUrl(std::string_view base_url, std::string_view reference) {
  reference = TrimUrl(reference);
  base_url = TrimUrl(base_url);
  if (base_url.empty()) return std::string(reference);
  const UrlParts ref = SplitUrl(reference);
  const UrlParts base = SplitUrl(base_url);
  UrlParts target;
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
  return JoinUrl(target);
}

std::string UrlScheme(std::string_view url) {
  return strings::AsciiLowered(SplitUrl(TrimUrl(url)).scheme);
}

std::string WithoutUserinfo(std::string_view url) {
  UrlParts parts = SplitUrl(url);
  const std::size_t end = UserinfoEnd(parts.authority);
  if (!parts.has_authority || end == std::string::npos) return std::string(url);
  parts.authority.erase(0, end + 1);
  return JoinUrl(parts);
}

std::optional<Userinfo> UserinfoOf(std::string_view url) {
  const UrlParts parts = SplitUrl(url);
  const std::size_t end = UserinfoEnd(parts.authority);
  if (!parts.has_authority || end == std::string::npos) return std::nullopt;
  const std::string_view userinfo = std::string_view(parts.authority).substr(0, end);
  const std::size_t colon = userinfo.find(':');
  Userinfo decoded;
  decoded.user = PercentDecode(userinfo.substr(0, colon));
  if (colon != std::string_view::npos) decoded.password = PercentDecode(userinfo.substr(colon + 1));
  return decoded;
}

bool SameOrigin(std::string_view a, std::string_view b) {
  const std::string origin = Origin(a);
  return !origin.empty() && origin == Origin(b);
}

std::string PercentDecode(std::string_view text) {
  if (text.empty()) return "";
  int length = 0;
  // The handle is not needed since libcurl 7.82 (Debian 12 has 7.88).
  const CurlText decoded(
      curl_easy_unescape(nullptr, text.data(), static_cast<int>(text.size()), &length));
  if (!decoded) return std::string(text);  // out of memory: nothing better to give
  return std::string(decoded.get(), static_cast<std::size_t>(length));
}

std::string FormDecode(std::string_view text) {
  std::string spaced(text);
  for (char& c : spaced) {
    if (c == '+') c = ' ';
  }
  return PercentDecode(spaced);
}

}  // namespace freshd::url
