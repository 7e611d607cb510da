// The embedders that need no service: none, and feature hashing.
//
// Hashing: each word unigram and bigram ("a b") of Words(text) adds its weight, 1 + ln(count)
// (sublinear, so a repeated word does not drown the rest), to index XXH3_64bits(feature) % dims,
// with the sign taken from the hash's top bit so that collisions cancel out on average
// rather than pile up. The vector is then scaled to unit length. XXH3 gives the same value
// on every machine, so vectors stored by one run are comparable with the next run's.
#include <xxhash.h>

#include <cmath>
#include <map>

#include "rag/embedder.h"
#include "rag/words.h"

namespace freshd::rag {
namespace {

class NoEmbedder final : public Embedder {
 public:
  std::string_view kind() const override { return "none"; }
  int dims() const override { return 0; }
  Result<std::vector<Vector>> Embed(const std::vector<std::string>& texts) override {
    return std::vector<Vector>(texts.size());
  }
};

std::map<std::string, int> CountFeatures(std::string_view text) {
  std::map<std::string, int> counts;
  const std::vector<std::string> words = Words(text);
  for (std::size_t i = 0; i < words.size(); ++i) {
    ++counts[words[i]];
    if (i + 1 < words.size()) ++counts[words[i] + ' ' + words[i + 1]];
  }
  return counts;
}

// An all-zero vector (a text without words) stays zero.
Vector ScaledToUnitLength(const std::vector<double>& sums) {
  double squares = 0;
  for (const double value : sums) squares += value * value;
  const double scale = squares > 0 ? 1 / std::sqrt(squares) : 0;
  Vector vector;
  vector.reserve(sums.size());
  for (const double value : sums) vector.push_back(static_cast<float>(value * scale));
  return vector;
}

class HashingEmbedder final : public Embedder {
 public:
  explicit HashingEmbedder(int dims) : dims_(dims) {}
  std::string_view kind() const override { return "hashing"; }
  int dims() const override { return dims_; }

  Result<std::vector<Vector>> Embed(const std::vector<std::string>& texts) override {
    // Not a refusal of these texts (which would set them aside): no text can be embedded.
    if (dims_ <= 0) return Status::Unavailable("hashing embedder: dims must be positive");
    std::vector<Vector> vectors;
    vectors.reserve(texts.size());
    for (const std::string& text : texts) vectors.push_back(EmbedOne(text));
    return vectors;
  }

 private:
  Vector EmbedOne(std::string_view text) const {
    std::vector<double> sums(static_cast<std::size_t>(dims_), 0.0);
    for (const auto& [feature, count] : CountFeatures(text)) {
      const XXH64_hash_t hash = XXH3_64bits(feature.data(), feature.size());
      const double weight = 1 + std::log(static_cast<double>(count));
      sums[hash % static_cast<XXH64_hash_t>(dims_)] += (hash >> 63) != 0 ? -weight : weight;
    }
    return ScaledToUnitLength(sums);
  }

  int dims_;
};

}  // namespace

std::unique_ptr<Embedder> MakeNoEmbedder() { return std::make_unique<NoEmbedder>(); }

std::unique_ptr<Embedder> MakeHashingEmbedder(int dims) {
  return std::make_unique<HashingEmbedder>(dims);
}

}  // namespace freshd::rag
