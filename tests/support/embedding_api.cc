#include "tests/support/embedding_api.h"

#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string_view>

namespace freshd::testing {
namespace {

using nlohmann::json;

// FNV-1a: stable across processes and platforms, unlike std::hash.
std::uint64_t Fnv1a(std::string_view word) {
  std::uint64_t hash = 14695981039346656037ull;
  for (const char c : word) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ull;
  }
  return hash;
}

std::vector<std::string> Words(const std::string& text) {
  std::vector<std::string> words;
  std::string word;
  for (const char c : text + " ") {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      continue;
    }
    if (word.size() > 3 && word.back() == 's') word.pop_back();
    if (!word.empty()) words.push_back(word);
    word.clear();
  }
  return words;
}

std::string Base64(const std::vector<float>& vector) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string bytes(vector.size() * sizeof(float), '\0');
  std::memcpy(bytes.data(), vector.data(), bytes.size());  // little-endian, as OpenAI sends
  std::string out;
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    std::uint32_t group = static_cast<unsigned char>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) group |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    if (i + 2 < bytes.size()) group |= static_cast<unsigned char>(bytes[i + 2]);
    out += kAlphabet[(group >> 18) & 63];
    out += kAlphabet[(group >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(group >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? kAlphabet[group & 63] : '=';
  }
  return out;
}

FaultServer::Plain Error(std::string message) {
  const json error = {
      {"error", {{"message", std::move(message)}, {"type", "invalid_request_error"}}}};
  return FaultServer::Plain()
      .Status(400)
      .Header("Content-Type", "application/json")
      .Body(error.dump());
}

FaultServer::Plain Answer(const FaultServer::Request& request, int default_dims) {
  const json body = json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object() || !body.contains("input")) return Error("'input' is required");
  json inputs = body["input"];
  if (inputs.is_string()) inputs = json::array({inputs});
  if (!inputs.is_array() || inputs.empty()) return Error("'input' must be text or a list of it");
  const int dims = body.value("dimensions", default_dims);
  const bool base64 = body.value("encoding_format", "float") == "base64";
  json data = json::array();
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i].is_string()) return Error("each input must be text");
    const std::vector<float> vector = EmbedLikeTheApi(inputs[i].get<std::string>(), dims);
    data.push_back({{"object", "embedding"},
                    {"index", i},
                    {"embedding", base64 ? json(Base64(vector)) : json(vector)}});
  }
  const json answer = {{"object", "list"},
                       {"data", std::move(data)},
                       {"model", body.value("model", "")},
                       {"usage", {{"prompt_tokens", 0}, {"total_tokens", 0}}}};
  return FaultServer::Plain().Header("Content-Type", "application/json").Body(answer.dump());
}

}  // namespace

std::vector<float> EmbedLikeTheApi(const std::string& text, int dims) {
  std::vector<float> vector(static_cast<std::size_t>(dims), 0.0f);
  for (const std::string& word : Words(text)) vector[Fnv1a(word) % vector.size()] += 1.0f;
  double norm = 0;
  for (const float value : vector) norm += double{value} * value;
  if (norm == 0) {
    vector[0] = 1.0f;  // an empty text still gets a valid unit vector
    return vector;
  }
  for (float& value : vector) value = static_cast<float>(value / std::sqrt(norm));
  return vector;
}

FaultServer::Handler EmbeddingApi(int dims) {
  return {[dims](const FaultServer::Request& request) { return Answer(request, dims); }};
}

}  // namespace freshd::testing
