#include "formats/zip_archive.h"

#include <algorithm>
#include <array>

namespace freshd::formats {
namespace {

struct CloseFile {
  void operator()(zip_file_t* file) const { zip_fclose(file); }
};

std::string ZipError(zip_t* zip) { return zip_strerror(zip); }

}  // namespace

bool LooksLikeZip(std::string_view body) {
  return body.starts_with(std::string_view("PK\x03\x04", 4));
}

Result<ZipArchive> ZipArchive::Open(std::string_view body, std::uint64_t max_member_bytes,
                                    std::uint64_t max_total_bytes) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* source = zip_source_buffer_create(body.data(), body.size(), 0, &error);
  if (source == nullptr) {
    zip_error_fini(&error);
    return Status::ResourceExhausted("zip: cannot read the buffer");
  }
  zip_t* zip = zip_open_from_source(source, ZIP_RDONLY, &error);
  if (zip == nullptr) {
    zip_source_free(source);
    std::string message = std::string("not a readable zip: ") + zip_error_strerror(&error);
    zip_error_fini(&error);
    return Status::InvalidArgument(std::move(message));
  }
  zip_error_fini(&error);
  return ZipArchive(zip, max_member_bytes, max_total_bytes);
}

bool ZipArchive::Has(const char* name) const { return zip_name_locate(zip_.get(), name, 0) >= 0; }

std::vector<std::string> ZipArchive::Names() const {
  std::vector<std::string> names;
  const zip_int64_t count = zip_get_num_entries(zip_.get(), 0);
  for (zip_int64_t i = 0; i < count; ++i) {
    const char* name = zip_get_name(zip_.get(), static_cast<zip_uint64_t>(i), 0);
    if (name != nullptr) names.emplace_back(name);
  }
  return names;
}

Result<std::string> ZipArchive::Read(const char* name) {
  const zip_int64_t index = zip_name_locate(zip_.get(), name, 0);
  if (index < 0) return Status::InvalidArgument(std::string("no zip member ") + name);
  std::unique_ptr<zip_file_t, CloseFile> file(
      zip_fopen_index(zip_.get(), static_cast<zip_uint64_t>(index), 0));
  if (file == nullptr) {
    const int code = zip_error_code_zip(zip_get_error(zip_.get()));
    const std::string message = std::string("zip member ") + name + ": " + ZipError(zip_.get());
    if (code == ZIP_ER_NOPASSWD || code == ZIP_ER_WRONGPASSWD || code == ZIP_ER_ENCRNOTSUPP) {
      return Status::PermissionDenied(message);
    }
    return Status::InvalidArgument(message);
  }
  std::string out;
  std::array<char, 64 * 1024> buffer;
  while (true) {
    const zip_int64_t n = zip_fread(file.get(), buffer.data(), buffer.size());
    if (n < 0) {
      return Status::InvalidArgument(std::string("zip member ") + name +
                                     " is damaged: " + zip_file_strerror(file.get()));
    }
    if (n == 0) break;
    const auto count = static_cast<std::uint64_t>(n);
    if (out.size() + count > max_member_ || total_read_ + count > max_total_) {
      return Status::ResourceExhausted(std::string("zip member ") + name +
                                       " unzips past the limit (a zip bomb?)");
    }
    out.append(buffer.data(), count);
    total_read_ += count;
  }
  return out;
}

}  // namespace freshd::formats
