#include "daemon/status_page_html.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <ctime>

namespace freshd::daemon::status_page {
namespace {

using nlohmann::json;

// A part of a target longer than this is shortened (a cell is about 260 px wide).
constexpr std::size_t kLongestPart = 36;

std::string Printf(const char* format, double value) {
  char text[64];
  std::snprintf(text, sizeof(text), format, value);
  return text;
}

std::string EscapeChar(char c) {
  switch (c) {
    case '&':
      return "&amp;";
    case '<':
      return "&lt;";
    case '>':
      return "&gt;";
    case '"':
      return "&quot;";
    case '\'':
      return "&#39;";
    default:
      return std::string(1, c);
  }
}

// "start…end" of a part too long for its cell (bytes, cut at UTF-8 character starts).
std::string Shorten(std::string_view part) {
  if (part.size() <= kLongestPart) return std::string(part);
  const auto start_of_char = [&](std::size_t at) {
    while (at > 0 && at < part.size() && (static_cast<unsigned char>(part[at]) & 0xC0) == 0x80) {
      --at;
    }
    return at;
  };
  const std::size_t head = start_of_char(kLongestPart / 2);
  const std::size_t tail = start_of_char(part.size() - kLongestPart / 2);
  return std::string(part.substr(0, head)) + "\u2026" + std::string(part.substr(tail));
}

// Percent-encodes every byte of `text` but ASCII letters, digits and those in `keep`.
std::string PercentEncode(std::string_view text, std::string_view keep) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte < 0x80 && std::isalnum(byte) != 0) || keep.find(c) != std::string_view::npos) {
      out += c;
    } else {
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0xF];
    }
  }
  return out;
}

}  // namespace

std::string Escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) out += EscapeChar(c);
  return out;
}

std::string UrlComponent(std::string_view text) { return PercentEncode(text, "-._~"); }

std::string PathSegment(std::string_view text) {
  return Escape(PercentEncode(text, "-._~!$&'()*+,;=:@"));
}

std::string Str(const json& object, const char* key) {
  if (!object.is_object() || !object.contains(key)) return "";
  const json& value = object[key];
  if (value.is_string()) return value.get<std::string>();
  if (value.is_null()) return "";
  return value.dump();
}

double Number(const json& object, const char* key) {
  return object.is_object() && object.contains(key) && object[key].is_number()
             ? object[key].get<double>()
             : 0;
}

std::string HumanDuration(double seconds) {
  if (!std::isfinite(seconds)) return "&infin;";
  if (seconds <= 0) return "0 s";
  if (seconds < 0.0005) return "&lt; 1 ms";
  if (seconds < 0.9995) return Printf("%.0f ms", seconds * 1000);
  struct Unit {
    double seconds;
    const char* name;
  };
  static constexpr std::array<Unit, 4> kUnits{{{86400, "d"}, {3600, "h"}, {60, "min"}, {1, "s"}}};
  for (const Unit& unit : kUnits) {
    if (seconds < unit.seconds && unit.seconds > 1) continue;
    const double amount = seconds / unit.seconds;
    std::string number = Printf(amount < 10 ? "%.1f" : "%.0f", amount);
    if (number.ends_with(".0")) number.resize(number.size() - 2);
    return number + " " + unit.name;
  }
  return "0 s";
}

std::int64_t ParseTimestamp(const std::string& text) {
  std::tm utc{};
  if (text.empty() || strptime(text.c_str(), "%Y-%m-%dT%H:%M:%SZ", &utc) == nullptr) return 0;
  return static_cast<std::int64_t>(timegm(&utc)) * 1000;
}

std::string FormatUtc(std::int64_t unix_ms, const char* format) {
  const std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[40];
  std::strftime(text, sizeof(text), format, &utc);
  return text;
}

std::string When(const std::string& timestamp, std::int64_t now_ms, std::string_view absent) {
  const std::int64_t when = ParseTimestamp(timestamp);
  if (when <= 0) return std::string(absent);
  const double seconds = static_cast<double>(now_ms - when) / 1000.0;
  std::string relative;
  if (std::abs(seconds) < 5) {
    relative = "now";
  } else {
    relative = seconds > 0 ? HumanDuration(seconds) + " ago" : "in " + HumanDuration(-seconds);
  }
  return "<time datetime=\"" + Escape(timestamp) + "\">" + FormatUtc(when) +
         "</time> <span class=\"rel\">" + relative + "</span>";
}

std::string Word(const std::string& word, const char* css) {
  return "<span class=\"word badge " + std::string(css) + "\">" + Escape(word) + "</span>";
}

std::string List(const json& lines, const std::string& tag, const char* css) {
  if (!lines.is_array() || lines.empty()) return "";
  std::string html = "<" + tag + " class=\"" + css + "\">";
  for (const json& line : lines) {
    html += "<li>" + Escape(line.is_string() ? line.get<std::string>() : line.dump()) + "</li>";
  }
  return html + "</" + tag + ">";
}

std::string Target(const std::string& target) {
  // Parts end after "/" (but not inside "//") and before "?", "&", "#"; <wbr> marks where
  // a line may break, and the cell's CSS never breaks inside a part.
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (std::size_t i = 0; i < target.size(); ++i) {
    const char c = target[i];
    const bool before = (c == '?' || c == '&' || c == '#') && i > start;
    const bool after = c == '/' && (i + 1 >= target.size() || target[i + 1] != '/');
    if (before) {
      parts.push_back(std::string_view(target).substr(start, i - start));
      start = i;
    }
    if (after) {
      parts.push_back(std::string_view(target).substr(start, i + 1 - start));
      start = i + 1;
    }
  }
  if (start < target.size()) parts.push_back(std::string_view(target).substr(start));
  std::string html = "<span class=\"target\" title=\"" + Escape(target) + "\">";
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) html += "<wbr>";
    html += Escape(Shorten(parts[i]));
  }
  return html + "</span>";
}

}  // namespace freshd::daemon::status_page
