// The decoders of the state store's own records (store/codecs.h): the document record and
// the check record of the history. The first byte picks the decoder. When a record decodes,
// its re-encoding decodes too, to a value that encodes the same: a value the decoder
// accepts is never one the encoder cannot write back. A decoded document keeps its history
// bounds in order (oldest <= next), which the store's history walks rely on.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "fuzz/round_trip.h"
#include "store/codecs.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  namespace store = freshd::store;
  switch (data[0] % 2) {
    case 0: {
      CheckRoundTrip(bytes, store::DecodeDocument, store::EncodeDocument);
      const auto document = store::DecodeDocument(bytes);
      if (document && document->history_oldest_seq > document->history_next_seq) std::abort();
      break;
    }
    case 1:
      CheckRoundTrip(bytes, store::DecodeCheck, store::EncodeCheck);
      break;
  }
  return 0;
}
