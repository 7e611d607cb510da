#include "tests/rag/rag_test_util.h"

#include <catch2/catch.hpp>
#include <functional>

#include "rag/tables.h"
#include "tests/store/status_testing.h"

namespace freshd::rag::testing {
namespace {

constexpr const char* kWords[] = {"leave",  "policy",   "employee", "manager", "request",
                                  "days",   "approval", "payroll",  "holiday", "notice",
                                  "travel", "expense",  "receipt",  "remote",  "office"};

std::string Paragraph(int seed, int index, bool edited) {
  std::string text = "Section " + std::to_string(index) + (edited ? " was reworded:" : ":");
  std::size_t state = std::hash<std::string>{}(std::to_string(seed) + "/" + std::to_string(index));
  const std::size_t length = 300 + state % 300;
  while (text.size() < length) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    text += ' ';
    text += kWords[(state >> 33) % std::size(kWords)];
    if ((state >> 20) % 9 == 0) text += '.';
  }
  return text + ".";
}

}  // namespace

std::unique_ptr<store::StateStore> OpenStore(const freshd::testing::TempDir& dir) {
  store::StoreOptions options;
  DeclareTables(options);
  return freshd::testing::Ok(store::StateStore::Open(dir / "state", options));
}

std::string Document(int paragraphs, int seed, int edited_paragraph) {
  std::string text;
  for (int i = 0; i < paragraphs; ++i) {
    if (!text.empty()) text += "\n\n";
    text += Paragraph(seed, i, i == edited_paragraph);
  }
  return text;
}

store::Observation Fetched(std::int64_t time_ms, const std::string& text) {
  store::Observation seen;
  seen.kind = store::Observation::Kind::kFetched;
  seen.time_ms = time_ms;
  seen.content_hash = std::to_string(std::hash<std::string>{}(text));
  return seen;
}

store::Observation Gone(std::int64_t time_ms) {
  store::Observation seen;
  seen.kind = store::Observation::Kind::kGone;
  seen.time_ms = time_ms;
  return seen;
}

std::vector<IndexOperation> Queued(const store::StateStore& store) {
  std::vector<IndexOperation> operations;
  for (const store::OutboxEntry& entry : freshd::testing::Ok(store.ReadOutbox(1u << 20))) {
    std::optional<IndexOperation> operation = DecodeOperation(entry.operation);
    REQUIRE(operation.has_value());
    operations.push_back(std::move(*operation));
  }
  return operations;
}

}  // namespace freshd::rag::testing
