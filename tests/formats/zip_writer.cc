#include "tests/formats/zip_writer.h"

#include <zip.h>
#include <zlib.h>

#include <cstdint>
#include <memory>
#include <stdexcept>

namespace freshd::testing {
namespace {

struct FreeSource {
  void operator()(zip_source_t* source) const { zip_source_free(source); }
};

void Check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("zip fixture: ") + what);
}

// The whole content of a zip source that holds a finished archive.
std::string ReadAll(zip_source_t* source) {
  Check(zip_source_open(source) == 0, "reopen");
  std::string out;
  char buffer[65536];
  zip_int64_t n;
  while ((n = zip_source_read(source, buffer, sizeof buffer)) > 0) out.append(buffer, n);
  zip_source_close(source);
  Check(n == 0, "read back");
  return out;
}

void Put16(std::string& out, std::uint32_t value) {
  out += static_cast<char>(value & 0xff);
  out += static_cast<char>((value >> 8) & 0xff);
}
void Put32(std::string& out, std::uint32_t value) {
  Put16(out, value & 0xffff);
  Put16(out, value >> 16);
}

// A local header (signature 0x04034b50) or, with `central`, a central directory entry.
std::string Header(bool central, const std::string& name, std::uint32_t crc,
                   std::uint32_t compressed, std::uint32_t size) {
  std::string out;
  Put32(out, central ? 0x02014b50 : 0x04034b50);
  if (central) Put16(out, 20);  // made by
  Put16(out, 20);               // needed to extract
  Put16(out, 0);                // flags
  Put16(out, 8);                // deflate
  Put32(out, 0);                // time and date
  Put32(out, crc);
  Put32(out, compressed);
  Put32(out, size);
  Put16(out, static_cast<std::uint32_t>(name.size()));
  Put16(out, 0);  // extra field
  if (central) {
    Put16(out, 0);  // comment
    Put16(out, 0);  // disk
    Put16(out, 0);  // internal attributes
    Put32(out, 0);  // external attributes
    Put32(out, 0);  // local header offset: the only member is first
  }
  return out + name;
}

// `block` deflated as a self-contained, byte-aligned, non-final piece (a full flush).
std::string DeflateFlushed(const std::string& block) {
  z_stream stream{};
  Check(deflateInit2(&stream, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY) == Z_OK, "deflateInit");
  std::string out(deflateBound(&stream, block.size()) + 64, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(block.data()));
  stream.avail_in = static_cast<uInt>(block.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  const int result = deflate(&stream, Z_FULL_FLUSH);
  out.resize(out.size() - stream.avail_out);
  deflateEnd(&stream);
  Check(result == Z_OK && stream.avail_in == 0, "deflate");
  return out;
}

}  // namespace

std::string WriteZip(const std::vector<ZipMember>& members) {
  zip_error_t error;
  zip_error_init(&error);
  std::unique_ptr<zip_source_t, FreeSource> source(zip_source_buffer_create(nullptr, 0, 0, &error));
  Check(source != nullptr, "buffer");
  zip_t* zip = zip_open_from_source(source.get(), ZIP_CREATE | ZIP_TRUNCATE, &error);
  Check(zip != nullptr, "open");
  zip_source_keep(source.get());  // the archive's bytes stay in it after zip_close
  for (const ZipMember& member : members) {
    zip_source_t* data = zip_source_buffer(zip, member.content.data(), member.content.size(), 0);
    const zip_int64_t index = data ? zip_file_add(zip, member.name.c_str(), data, 0) : -1;
    if (index < 0) zip_source_free(data);
    Check(index >= 0, "add");
    Check(
        zip_set_file_compression(zip, index, member.stored ? ZIP_CM_STORE : ZIP_CM_DEFLATE, 0) == 0,
        "compression");
  }
  Check(zip_close(zip) == 0, "close");
  zip_error_fini(&error);
  return ReadAll(source.get());
}

std::string WriteRepeatedMemberZip(const std::string& name, const std::string& block,
                                   std::uint32_t repeats) {
  const std::string piece = DeflateFlushed(block);
  const std::string end("\x03\x00", 2);  // an empty final block
  const auto block_crc =
      crc32(0, reinterpret_cast<const Bytef*>(block.data()), static_cast<uInt>(block.size()));
  uLong crc = 0;
  for (std::uint32_t i = 0; i < repeats; ++i) crc = crc32_combine(crc, block_crc, block.size());
  const std::uint64_t compressed = piece.size() * std::uint64_t{repeats} + end.size();
  const std::uint64_t size = block.size() * std::uint64_t{repeats};
  Check(compressed < 0xffffffffu && size < 0xffffffffu, "sizes past zip32");
  std::string out = Header(false, name, crc, compressed, size);
  out.reserve(out.size() + compressed + 200);
  for (std::uint32_t i = 0; i < repeats; ++i) out += piece;
  out += end;
  const std::size_t directory = out.size();
  out += Header(true, name, crc, compressed, size);
  const std::size_t directory_size = out.size() - directory;
  Put32(out, 0x06054b50);
  Put16(out, 0);
  Put16(out, 0);
  Put16(out, 1);
  Put16(out, 1);
  Put32(out, static_cast<std::uint32_t>(directory_size));
  Put32(out, static_cast<std::uint32_t>(directory));
  Put16(out, 0);
  return out;
}

}  // namespace freshd::testing
