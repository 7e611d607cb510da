// The decoders of stored records: the embedded sink's chunk, posting and stats records, and
// the outbox's operations and the chunk manifests. The first byte picks the decoder. When a
// record decodes, its re-encoding decodes too, to a value that encodes the same: a value the
// decoder accepts is never one the encoder cannot write back. (Byte equality with the input
// is not asked: a varint or MessagePack number may be written longer than needed.)
// The state store's own records are fuzzed by store_records_fuzzer.cc.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "fuzz/round_trip.h"
#include "rag/embedded_records.h"
#include "rag/operations.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  namespace embedded = freshd::rag::embedded;
  switch (data[0] % 5) {
    case 0:
      CheckRoundTrip(
          bytes, [](std::string_view in) { return embedded::DecodeChunk(in); },
          embedded::EncodeChunk);
      embedded::DecodeChunk(bytes, /*with_terms=*/false);  // the search's path
      break;
    case 1:
      CheckRoundTrip(bytes, embedded::DecodePosting, embedded::EncodePosting);
      break;
    case 2:
      CheckRoundTrip(bytes, embedded::DecodeStats, embedded::EncodeStats);
      break;
    case 3:
      CheckRoundTrip(bytes, freshd::rag::DecodeOperation, freshd::rag::EncodeOperation);
      break;
    case 4:
      CheckRoundTrip(bytes, freshd::rag::DecodeDocumentChunks, freshd::rag::EncodeDocumentChunks);
      break;
  }
  return 0;
}
