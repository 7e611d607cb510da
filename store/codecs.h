// The byte encodings of the store's records: MessagePack objects with short keys and a
// version field; empty strings and zeros are left out. Private to store/; public to the
// records fuzzer (fuzz/store_records_fuzzer.cc) and the store's tests.
//
// A Decode* function never throws and never crashes on any input: it returns nullopt for
// bytes that are not a record of this version.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "store/state_store.h"

namespace freshd::store {

std::string EncodeDocument(const DocumentRecord& record);
std::optional<DocumentRecord> DecodeDocument(std::string_view bytes);

std::string EncodeCheck(const CheckRecord& check);
std::optional<CheckRecord> DecodeCheck(std::string_view bytes);

}  // namespace freshd::store
