// rag_store.chroma and rag_store.postgres: what a RAG app reading the store needs set.
#include <catch2/catch.hpp>
#include <cstdlib>

#include "config/config.h"
#include "tests/config/config_test_util.h"

namespace freshd::config {
namespace {

using testing::Messages;
using testing::ParseWithWorkload;
using Lines = std::vector<std::string>;

TEST_CASE("chroma settings: tenant database headers and distance", "[config][rag]") {
  ::setenv("FRESHD_TEST_CHROMA_TOKEN", "token-from-env", 1);
  const LoadResult result = ParseWithWorkload(R"yaml(
rag_store:
  kind: chroma
  chroma:
    url: http://127.0.0.1:8000
    collection: kb
    tenant: acme
    database: support
    headers: { X-Chroma-Token: { env: FRESHD_TEST_CHROMA_TOKEN } }
    distance: l2
)yaml");
  INFO(Messages(result).size());
  REQUIRE(result.config.has_value());
  const RagStore& store = result.config->rag_store;
  CHECK(store.chroma_collection == "kb");
  CHECK(store.chroma_tenant == "acme");
  CHECK(store.chroma_database == "support");
  REQUIRE(store.chroma_headers.size() == 1);
  CHECK(store.chroma_headers[0].name == "X-Chroma-Token");
  CHECK(store.chroma_headers[0].value == "token-from-env");
  CHECK(store.chroma_distance == RagStore::Distance::kL2);
}

TEST_CASE("chroma defaults: cosine in the default tenant and database", "[config][rag]") {
  const LoadResult result = ParseWithWorkload("rag_store: { kind: chroma }\n");
  REQUIRE(result.config.has_value());
  const RagStore& store = result.config->rag_store;
  CHECK(store.chroma_distance == RagStore::Distance::kCosine);
  CHECK(store.chroma_tenant == "default_tenant");
  CHECK(store.chroma_database == "default_database");
  CHECK(store.chroma_headers.empty());
}

TEST_CASE("an unknown chroma distance is an error with its place", "[config][rag]") {
  const LoadResult result =
      ParseWithWorkload("rag_store: { kind: chroma, chroma: { distance: manhattan } }\n");
  CHECK(Messages(result) ==
        Lines{"test.yaml:1:48: 'distance' must be cosine, l2 or ip, not 'manhattan'"});
}

TEST_CASE("postgres settings: the langchain layout and its defaults", "[config][rag]") {
  ::setenv("FRESHD_TEST_PG_DSN", "host=127.0.0.1 dbname=rag", 1);
  const LoadResult langchain = ParseWithWorkload(R"yaml(
rag_store:
  kind: postgres
  postgres: { dsn_env: FRESHD_TEST_PG_DSN, layout: langchain, collection: kb }
)yaml");
  INFO(Messages(langchain).size());
  REQUIRE(langchain.config.has_value());
  const RagStore& store = langchain.config->rag_store;
  CHECK(store.postgres_layout == RagStore::PostgresLayout::kLangchain);
  CHECK(store.postgres_table == "langchain_pg_embedding");
  CHECK(store.postgres_collection == "kb");
  CHECK(store.postgres_text_search == "english");

  const LoadResult freshd = ParseWithWorkload(R"yaml(
rag_store:
  kind: postgres
  postgres: { dsn_env: FRESHD_TEST_PG_DSN, table: rag.chunks, text_search: simple }
)yaml");
  REQUIRE(freshd.config.has_value());
  CHECK(freshd.config->rag_store.postgres_layout == RagStore::PostgresLayout::kFreshd);
  CHECK(freshd.config->rag_store.postgres_table == "rag.chunks");
  CHECK(freshd.config->rag_store.postgres_text_search == "simple");
}

TEST_CASE("postgres names that are not identifiers are errors with their place", "[config][rag]") {
  ::setenv("FRESHD_TEST_PG_DSN", "host=127.0.0.1 dbname=rag", 1);
  const LoadResult result = ParseWithWorkload(R"yaml(
rag_store:
  kind: postgres
  postgres: { dsn_env: FRESHD_TEST_PG_DSN, text_search: "english; drop table x", layout: flat }
)yaml");
  const Lines messages = Messages(result);
  CHECK(messages ==
        Lines{"test.yaml:3:57: 'text_search' must be a name such as english, not 'english; drop "
              "table x'",
              "test.yaml:3:90: 'layout' must be freshd or langchain, not 'flat'"});
}

TEST_CASE("the langchain layout needs vectors", "[config][rag]") {
  ::setenv("FRESHD_TEST_PG_DSN", "host=127.0.0.1 dbname=rag", 1);
  const LoadResult result = ParseWithWorkload(R"yaml(
rag_store:
  kind: postgres
  postgres: { dsn_env: FRESHD_TEST_PG_DSN, layout: langchain }
embedder: { kind: none }
)yaml");
  const Lines messages = Messages(result);
  REQUIRE(messages.size() == 1);
  CHECK(messages[0].find("layout 'langchain' needs vectors") != std::string::npos);
}

}  // namespace
}  // namespace freshd::config
