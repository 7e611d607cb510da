#include "rag/embedded_records.h"

#include <bit>
#include <cstring>
#include <limits>

namespace freshd::rag::embedded {
namespace {

constexpr char kChunkVersion = 2;  // 1: without page and heading (still read)
constexpr char kFirstChunkVersion = 1;
constexpr char kPostingVersion = 1;
constexpr char kStatsVersion = 1;

class Writer {
 public:
  explicit Writer(char version) { bytes_.push_back(version); }

  void Varint(std::uint64_t value) {
    while (value >= 0x80) {
      bytes_.push_back(static_cast<char>((value & 0x7f) | 0x80));
      value >>= 7;
    }
    bytes_.push_back(static_cast<char>(value));
  }
  void Signed(std::int64_t value) {  // zigzag, so that small negatives stay short
    Varint((static_cast<std::uint64_t>(value) << 1) ^ static_cast<std::uint64_t>(value >> 63));
  }
  void String(std::string_view text) {
    Varint(text.size());
    bytes_.append(text);
  }
  void Floats(const Vector& values) {
    Varint(values.size());
    for (const float value : values) {
      const auto bits = std::bit_cast<std::uint32_t>(value);
      for (int shift = 0; shift < 32; shift += 8) {
        bytes_.push_back(static_cast<char>((bits >> shift) & 0xff));
      }
    }
  }
  std::string Take() { return std::move(bytes_); }

 private:
  std::string bytes_;
};

// Reads what Writer wrote; any read past the end or malformed value makes ok() false.
class Reader {
 public:
  Reader(std::string_view bytes, char version) : Reader(bytes, version, version) {}
  // Reads any version from `oldest` to `newest`.
  Reader(std::string_view bytes, char oldest, char newest) : bytes_(bytes) {
    ok_ = !bytes_.empty() && bytes_[0] >= oldest && bytes_[0] <= newest;
    version_ = ok_ ? bytes_[0] : 0;
    position_ = 1;
  }
  char version() const { return version_; }

  std::uint64_t Varint() {
    std::uint64_t value = 0;
    for (int shift = 0; ok_ && shift < 64; shift += 7) {
      if (position_ >= bytes_.size()) break;
      const auto byte = static_cast<unsigned char>(bytes_[position_++]);
      value |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) return value;
    }
    ok_ = false;
    return 0;
  }
  std::int64_t Signed() {
    const std::uint64_t zigzag = Varint();
    return static_cast<std::int64_t>((zigzag >> 1) ^ (~(zigzag & 1) + 1));
  }
  std::string String() {
    const std::uint64_t size = Varint();
    if (!ok_ || size > bytes_.size() - position_) {
      ok_ = false;
      return {};
    }
    std::string text(bytes_.substr(position_, size));
    position_ += size;
    return text;
  }
  void SkipString() {
    const std::uint64_t size = Varint();
    if (!ok_ || size > bytes_.size() - position_) {
      ok_ = false;
      return;
    }
    position_ += size;
  }
  Vector Floats() {
    const std::uint64_t count = Varint();
    if (!ok_ || count > (bytes_.size() - position_) / 4) {
      ok_ = false;
      return {};
    }
    Vector values(count);
    if constexpr (std::endian::native == std::endian::little) {
      // A search decodes hundreds of vectors: the bytes are already floats. (An empty
      // vector's data() may be null, which memcpy must never be given.)
      if (count > 0) std::memcpy(values.data(), bytes_.data() + position_, count * 4);
      position_ += count * 4;
    } else {
      for (float& value : values) {
        std::uint32_t bits = 0;
        for (int shift = 0; shift < 32; shift += 8) {
          bits |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes_[position_++]))
                  << shift;
        }
        value = std::bit_cast<float>(bits);
      }
    }
    return values;
  }
  // True when everything was read and nothing is left over.
  bool Done() const { return ok_ && position_ == bytes_.size(); }

 private:
  std::string_view bytes_;
  std::size_t position_ = 0;
  bool ok_ = false;
  char version_ = 0;
};

}  // namespace

std::string EncodeChunk(const ChunkRecord& chunk) {
  Writer out(kChunkVersion);
  out.String(chunk.text);
  out.String(chunk.metadata.workload);
  out.String(chunk.metadata.source);
  out.String(chunk.metadata.uri);
  out.Signed(chunk.metadata.fetched_ms);
  out.String(chunk.metadata.content_hash);
  out.Varint(chunk.page);
  out.String(chunk.heading);
  out.Varint(chunk.words);
  out.Varint(chunk.terms.size());
  for (const std::string& term : chunk.terms) out.String(term);
  out.Floats(chunk.vector);
  return out.Take();
}

std::optional<ChunkRecord> DecodeChunk(std::string_view bytes, bool with_terms) {
  Reader in(bytes, kFirstChunkVersion, kChunkVersion);
  ChunkRecord chunk;
  chunk.text = in.String();
  chunk.metadata.workload = in.String();
  chunk.metadata.source = in.String();
  chunk.metadata.uri = in.String();
  chunk.metadata.fetched_ms = in.Signed();
  chunk.metadata.content_hash = in.String();
  if (in.version() >= 2) {
    const std::uint64_t page = in.Varint();
    if (page > std::numeric_limits<std::uint32_t>::max()) return std::nullopt;
    chunk.page = static_cast<std::uint32_t>(page);
    chunk.heading = in.String();
  }
  chunk.words = in.Varint();
  const std::uint64_t term_count = in.Varint();
  // Each term takes at least one byte: a larger count is corruption, not a huge allocation.
  if (term_count > bytes.size()) return std::nullopt;
  if (with_terms) chunk.terms.reserve(term_count);
  for (std::uint64_t i = 0; i < term_count; ++i) {
    if (with_terms) {
      chunk.terms.push_back(in.String());
    } else {
      in.SkipString();
    }
  }
  chunk.vector = in.Floats();
  if (!in.Done()) return std::nullopt;
  return chunk;
}

std::string EncodePosting(const Posting& posting) {
  Writer out(kPostingVersion);
  out.Varint(posting.term_frequency);
  out.Varint(posting.chunk_words);
  return out.Take();
}

std::optional<Posting> DecodePosting(std::string_view bytes) {
  Reader in(bytes, kPostingVersion);
  Posting posting;
  posting.term_frequency = in.Varint();
  posting.chunk_words = in.Varint();
  if (!in.Done()) return std::nullopt;
  return posting;
}

std::string EncodeStats(const IndexStats& stats) {
  Writer out(kStatsVersion);
  out.Varint(stats.chunks);
  out.Varint(stats.words);
  return out.Take();
}

std::optional<IndexStats> DecodeStats(std::string_view bytes) {
  Reader in(bytes, kStatsVersion);
  IndexStats stats;
  stats.chunks = in.Varint();
  stats.words = in.Varint();
  if (!in.Done()) return std::nullopt;
  return stats;
}

std::string PostingPrefix(std::string_view term) {
  std::string prefix(term);
  prefix.push_back('\0');
  return prefix;
}

std::string PostingKey(std::string_view term, std::string_view chunk_id) {
  std::string key = PostingPrefix(term);
  key.append(chunk_id);
  return key;
}

}  // namespace freshd::rag::embedded
