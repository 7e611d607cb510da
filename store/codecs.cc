#include "store/codecs.h"

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>

namespace freshd::store {
namespace {

using nlohmann::json;

constexpr int kRecordVersion = 1;  // the "v" field of every encoded value

void PutString(json& object, const char* name, const std::string& value) {
  if (!value.empty()) object[name] = value;
}

template <typename Int>
void PutInt(json& object, const char* name, Int value) {
  if (value != 0) object[name] = value;
}

std::string ToMsgpack(const json& object) {
  std::string bytes;
  json::to_msgpack(object, bytes);
  return bytes;
}

// The Read* functions leave *out alone when the field is absent, and fail on a wrong type.
bool ReadString(const json& object, const char* name, std::string* out) {
  auto it = object.find(name);
  if (it == object.end()) return true;
  if (!it->is_string()) return false;
  *out = it->get_ref<const std::string&>();
  return true;
}

bool ReadInt(const json& object, const char* name, std::int64_t* out) {
  auto it = object.find(name);
  if (it == object.end()) return true;
  if (it->is_number_unsigned()) {
    std::uint64_t value = it->get<std::uint64_t>();
    if (value > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return false;
    }
    *out = static_cast<std::int64_t>(value);
    return true;
  }
  if (!it->is_number_integer()) return false;
  *out = it->get<std::int64_t>();
  return true;
}

bool ReadUint(const json& object, const char* name, std::uint64_t max, std::uint64_t* out) {
  auto it = object.find(name);
  if (it == object.end()) return true;
  if (it->is_number_unsigned()) {
    *out = it->get<std::uint64_t>();
  } else if (it->is_number_integer() && it->get<std::int64_t>() >= 0) {
    *out = static_cast<std::uint64_t>(it->get<std::int64_t>());
  } else {
    return false;
  }
  return *out <= max;
}

bool ReadBool(const json& object, const char* name, bool* out) {
  auto it = object.find(name);
  if (it == object.end()) return true;
  if (!it->is_boolean()) return false;
  *out = it->get<bool>();
  return true;
}

// Parses a versioned MessagePack object; a discarded value means it could not.
json ParseValue(std::string_view bytes) {
  json object;
  try {
    object = json::from_msgpack(bytes.data(), bytes.data() + bytes.size(),
                                /*strict=*/true, /*allow_exceptions=*/false);
  } catch (const json::exception&) {  // not expected without exceptions; never fatal
    return json(json::value_t::discarded);
  }
  if (!object.is_object()) return json(json::value_t::discarded);
  std::int64_t version = 0;
  if (!ReadInt(object, "v", &version) || version != kRecordVersion) {
    return json(json::value_t::discarded);
  }
  return object;
}

}  // namespace

std::string EncodeDocument(const DocumentRecord& record) {
  json object = json::object();
  object["v"] = kRecordVersion;
  PutString(object, "e", record.etag);
  PutString(object, "l", record.last_modified);
  PutString(object, "h", record.content_hash);
  PutInt(object, "m", record.modified_ms);
  PutInt(object, "f", record.first_seen_ms);
  PutInt(object, "c", record.last_check_ms);
  PutInt(object, "g", record.last_change_ms);
  PutInt(object, "n", record.checks);
  PutInt(object, "x", record.changes);
  PutInt(object, "r", record.errors);
  PutInt(object, "ce", record.consecutive_errors);
  PutInt(object, "cm", record.consecutive_misses);
  PutString(object, "le", record.last_error);
  if (record.removed) object["d"] = true;
  if (!record.volatile_masks.empty()) object["vm"] = record.volatile_masks;
  if (record.indexed) object["ix"] = true;
  if (record.unsupported) object["un"] = true;
  if (!record.revision.empty()) object["rv"] = record.revision;
  if (!record.path.empty()) object["pa"] = record.path;
  if (!record.link.empty()) object["lk"] = record.link;
  PutInt(object, "hn", record.history_next_seq);
  PutInt(object, "ho", record.history_oldest_seq);
  return ToMsgpack(object);
}

std::optional<DocumentRecord> DecodeDocument(std::string_view bytes) {
  json object = ParseValue(bytes);
  if (object.is_discarded()) return std::nullopt;
  constexpr std::uint64_t kAny = std::numeric_limits<std::uint64_t>::max();
  DocumentRecord record;
  std::uint64_t consecutive = 0;
  std::uint64_t misses = 0;
  bool ok =
      ReadString(object, "e", &record.etag) && ReadString(object, "l", &record.last_modified) &&
      ReadString(object, "h", &record.content_hash) && ReadInt(object, "m", &record.modified_ms) &&
      ReadInt(object, "f", &record.first_seen_ms) && ReadInt(object, "c", &record.last_check_ms) &&
      ReadInt(object, "g", &record.last_change_ms) && ReadUint(object, "n", kAny, &record.checks) &&
      ReadUint(object, "x", kAny, &record.changes) && ReadUint(object, "r", kAny, &record.errors) &&
      ReadUint(object, "ce", std::numeric_limits<std::uint32_t>::max(), &consecutive) &&
      ReadUint(object, "cm", std::numeric_limits<std::uint32_t>::max(), &misses) &&
      ReadString(object, "le", &record.last_error) && ReadBool(object, "d", &record.removed) &&
      ReadBool(object, "ix", &record.indexed) && ReadBool(object, "un", &record.unsupported) &&
      ReadString(object, "rv", &record.revision) && ReadString(object, "pa", &record.path) &&
      ReadString(object, "lk", &record.link) &&
      ReadUint(object, "hn", kAny, &record.history_next_seq) &&
      ReadUint(object, "ho", kAny, &record.history_oldest_seq) &&
      record.history_oldest_seq <= record.history_next_seq;
  if (!ok) return std::nullopt;
  if (auto masks = object.find("vm"); masks != object.end()) {
    if (!masks->is_array()) return std::nullopt;
    for (const auto& mask : *masks) {
      if (!mask.is_string()) return std::nullopt;
      record.volatile_masks.push_back(mask.get<std::string>());
    }
  }
  record.consecutive_errors = static_cast<std::uint32_t>(consecutive);
  record.consecutive_misses = static_cast<std::uint32_t>(misses);
  return record;
}

std::string EncodeCheck(const CheckRecord& check) {
  json object = json::object();
  object["v"] = kRecordVersion;
  PutInt(object, "t", check.time_ms);
  PutInt(object, "o", static_cast<unsigned>(check.outcome));
  PutString(object, "h", check.content_hash);
  PutInt(object, "m", check.modified_ms);
  PutString(object, "er", check.error_reason);
  return ToMsgpack(object);
}

std::optional<CheckRecord> DecodeCheck(std::string_view bytes) {
  json object = ParseValue(bytes);
  if (object.is_discarded()) return std::nullopt;
  CheckRecord check;
  std::uint64_t outcome = 0;
  bool ok = ReadInt(object, "t", &check.time_ms) &&
            ReadUint(object, "o", static_cast<std::uint64_t>(CheckOutcome::kMissing), &outcome) &&
            ReadString(object, "h", &check.content_hash) &&
            ReadInt(object, "m", &check.modified_ms) &&
            ReadString(object, "er", &check.error_reason);
  if (!ok) return std::nullopt;
  check.outcome = static_cast<CheckOutcome>(outcome);
  return check;
}

}  // namespace freshd::store
