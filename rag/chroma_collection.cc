#include "rag/chroma_collection.h"

#include <utility>

namespace freshd::rag {
namespace {

using nlohmann::json;

// object[key], or null when `object` is not an object or lacks the key (never throws).
const json& Field(const json& object, const char* key) {
  static const json kNull;
  if (!object.is_object()) return kNull;
  const auto found = object.find(key);
  return found == object.end() ? kNull : *found;
}

std::string StringField(const json& object, const char* key) {
  const json& value = Field(object, key);
  return value.is_string() ? value.get<std::string>() : "";
}

// Neither the space nor the embedding function of a collection can be changed in place.
constexpr char kUntilRemade[] =
    " until the collection is deleted (freshd makes it anew; `freshd reconcile` refills it)";

bool ClientsCanEmbed(const ChromaOptions& options) { return options.embedder.kind == "openai"; }

json EmbeddingFunction(const ChromaOptions& options) {
  if (!ClientsCanEmbed(options)) return {{"type", "legacy"}};
  const EmbedderInfo& embedder = options.embedder;
  json config = {
      {"model_name", embedder.model},
      {"api_key_env_var", embedder.api_key_env.empty() ? kDefaultApiKeyEnv : embedder.api_key_env}};
  if (!embedder.base_url.empty()) config["api_base"] = embedder.base_url;
  if (embedder.dims > 0) config["dimensions"] = embedder.dims;
  return {{"type", "known"}, {"name", "openai"}, {"config", std::move(config)}};
}

// "openai (model text-embedding-3-small)", "none" or "legacy": for warnings.
std::string DescribeFunction(const json& function) {
  if (!function.is_object()) return "none";
  const std::string type = StringField(function, "type");
  if (type != "known") return type.empty() ? "none" : type;
  const std::string model = StringField(Field(function, "config"), "model_name");
  return StringField(function, "name") + (model.empty() ? "" : " (model " + model + ")");
}

bool RecordsNoFunction(const json& function) {
  return !function.is_object() || StringField(function, "type") == "legacy";
}

// The fields clients build the function from; api_base may differ (a proxy in front of the
// same model) without making the vectors different.
bool SameFunction(const json& asked, const json& found) {
  if (StringField(asked, "type") != StringField(found, "type")) return false;
  if (StringField(asked, "name") != StringField(found, "name")) return false;
  const json& asked_config = Field(asked, "config");
  const json& found_config = Field(found, "config");
  return Field(asked_config, "model_name") == Field(found_config, "model_name") &&
         Field(asked_config, "dimensions") == Field(found_config, "dimensions");
}

}  // namespace

json CollectionConfiguration(const ChromaOptions& options) {
  return {{"hnsw", {{"space", options.distance}}},
          {"embedding_function", EmbeddingFunction(options)}};
}

std::string EmbedderWarning(const ChromaOptions& options) {
  if (ClientsCanEmbed(options)) return "";
  return "chroma: collection '" + options.collection + "' holds vectors of freshd's " +
         options.embedder.kind +
         " embedder, which Chroma's clients cannot reproduce: they can get records, but not "
         "query by text (query_texts), only with query_embeddings of the same embedder; use "
         "embedder kind openai for clients that query by text";
}

ConfigurationCheck CheckConfiguration(const ChromaOptions& options, const json& found) {
  ConfigurationCheck check;
  const std::string& name = options.collection;
  const std::string space = StringField(Field(found, "hnsw"), "space");
  if (!space.empty() && space != options.distance) {
    check.warnings.push_back("chroma: collection '" + name + "' exists with distance '" + space +
                             "', not the configured '" + options.distance +
                             "'; Chroma cannot change it: searches use '" + space + "'" +
                             kUntilRemade);
  }
  const json& recorded = Field(found, "embedding_function");
  if (RecordsNoFunction(recorded)) {
    check.record_embedding_function = ClientsCanEmbed(options);
    return check;
  }
  const json asked = EmbeddingFunction(options);
  if (SameFunction(asked, recorded)) return check;
  const std::string freshd_function =
      ClientsCanEmbed(options) ? DescribeFunction(asked) : options.embedder.kind;
  check.warnings.push_back("chroma: collection '" + name + "' records the embedding function " +
                           DescribeFunction(recorded) + ", but freshd embeds with " +
                           freshd_function + "; clients that query by text get wrong answers" +
                           kUntilRemade);
  return check;
}

}  // namespace freshd::rag
