// The PDF writers of document_fixtures.h.
#include <openssl/evp.h>

#include <cstdio>
#include <functional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "tests/formats/document_fixtures.h"

namespace freshd::testing {
namespace {

constexpr std::size_t kLineChars = 80;

std::string PdfString(const std::string& text) {
  std::string out = "(";
  for (const char c : text) {
    if (c == '(' || c == ')' || c == '\\') out += '\\';
    out += c;
  }
  return out + ")";
}

// `text` cut at spaces into lines of at most `line_chars` (a longer word stays whole).
std::vector<std::string> Wrap(const std::string& text, std::size_t line_chars) {
  std::vector<std::string> lines;
  std::string line;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find(' ', start);
    if (end == std::string::npos) end = text.size();
    const std::string word = text.substr(start, end - start);
    if (!line.empty() && line.size() + 1 + word.size() > line_chars) {
      lines.push_back(line);
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
    start = end + 1;
  }
  if (!line.empty()) lines.push_back(line);
  return lines;
}

std::string Column(const std::vector<std::string>& paragraphs, int x, std::size_t line_chars) {
  std::string out = "BT\n/F1 11 Tf\n14 TL\n" + std::to_string(x) + " 750 Td\n";
  for (const std::string& paragraph : paragraphs) {
    for (const std::string& line : Wrap(paragraph, line_chars)) out += PdfString(line) + " Tj T*\n";
    out += "T*\n";  // an empty line between paragraphs
  }
  return out + "ET\n";
}

std::string ContentStream(const PdfPage& page, bool two_columns) {
  if (!two_columns) return Column(page, 72, kLineChars);
  std::vector<std::string> left, right;
  for (std::size_t i = 0; i < page.size(); ++i) (i % 2 ? right : left).push_back(page[i]);
  return Column(left, 72, kLineChars / 2 - 4) + Column(right, 320, kLineChars / 2 - 4);
}

struct PdfObjects {
  std::vector<std::string> bodies;  // object i+1's dictionary or stream
  std::string trailer_extra;
};

// What a stream's bytes become in the file (encryption), given its object number.
using StreamFilter = std::function<std::string(std::size_t, const std::string&)>;

PdfObjects Objects(const std::vector<PdfPage>& pages, const PdfOptions& options,
                   const StreamFilter& filter = nullptr) {
  PdfObjects objects;
  std::string kids;
  for (std::size_t i = 0; i < pages.size(); ++i) kids += std::to_string(5 + 2 * i) + " 0 R ";
  objects.bodies = {
      "<< /Type /Catalog /Pages 2 0 R >>",
      "<< /Type /Pages /Kids [" + kids + "] /Count " + std::to_string(pages.size()) + " >>",
      "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
      "<< /Producer " + PdfString(options.producer) + " /CreationDate " +
          PdfString(options.creation_date) + " >>",
  };
  for (std::size_t i = 0; i < pages.size(); ++i) {
    objects.bodies.push_back(
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources "
        "<< /Font << /F1 3 0 R >> >> /Contents " +
        std::to_string(6 + 2 * i) + " 0 R >>");
    std::string stream = ContentStream(pages[i], options.two_columns);
    if (filter) stream = filter(6 + 2 * i, stream);
    objects.bodies.push_back("<< /Length " + std::to_string(stream.size()) + " >>\nstream\n" +
                             stream + "endstream");
  }
  return objects;
}

std::string Serialize(const PdfObjects& objects, bool reversed) {
  std::string out = "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n";
  std::vector<std::size_t> offsets(objects.bodies.size());
  for (std::size_t k = 0; k < objects.bodies.size(); ++k) {
    const std::size_t i = reversed ? objects.bodies.size() - 1 - k : k;
    offsets[i] = out.size();
    out += std::to_string(i + 1) + " 0 obj\n" + objects.bodies[i] + "\nendobj\n";
  }
  const std::size_t xref = out.size();
  out += "xref\n0 " + std::to_string(objects.bodies.size() + 1) + "\n0000000000 65535 f \n";
  for (const std::size_t offset : offsets) {
    char entry[21];
    std::snprintf(entry, sizeof entry, "%010zu 00000 n \n", offset);
    out += entry;
  }
  out += "trailer\n<< /Size " + std::to_string(objects.bodies.size() + 1) +
         " /Root 1 0 R /Info 4 0 R" + objects.trailer_extra + " >>\nstartxref\n" +
         std::to_string(xref) + "\n%%EOF\n";
  return out;
}

std::string Hex(const std::string& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (const char c : bytes) {
    out += kDigits[static_cast<unsigned char>(c) >> 4];
    out += kDigits[static_cast<unsigned char>(c) & 0xf];
  }
  return out;
}

std::string Md5(const std::string& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &size, EVP_md5(), nullptr) != 1) {
    throw std::runtime_error("pdf fixture: MD5 failed");
  }
  return std::string(reinterpret_cast<const char*>(digest), size);
}

std::string Rc4(const std::string& key, const std::string& data) {
  unsigned char state[256];
  for (int i = 0; i < 256; ++i) state[i] = static_cast<unsigned char>(i);
  for (int i = 0, j = 0; i < 256; ++i) {
    j = (j + state[i] + static_cast<unsigned char>(key[i % key.size()])) & 0xff;
    std::swap(state[i], state[j]);
  }
  std::string out(data.size(), '\0');
  for (std::size_t n = 0, i = 0, j = 0; n < data.size(); ++n) {
    i = (i + 1) & 0xff;
    j = (j + state[i]) & 0xff;
    std::swap(state[i], state[j]);
    out[n] = static_cast<char>(data[n] ^ state[(state[i] + state[j]) & 0xff]);
  }
  return out;
}

// The password padded or cut to 32 bytes with the specification's padding string.
std::string Padded(const std::string& password) {
  static const std::string kPadding(
      "\x28\xbf\x4e\x5e\x4e\x75\x8a\x41\x64\x00\x4e\x56\xff\xfa\x01\x08"
      "\x2e\x2e\x00\xb6\xd0\x68\x3e\x80\x2f\x0c\xa9\xfe\x64\x53\x69\x7a",
      32);
  return (password + kPadding).substr(0, 32);
}

}  // namespace

std::string MakePdf(const std::vector<PdfPage>& pages, const PdfOptions& options) {
  return Serialize(Objects(pages, options), options.reversed_objects);
}

std::string MakeEncryptedPdf(const std::vector<PdfPage>& pages, const std::string& user_password) {
  // The standard security handler, revision 2 (RC4, 40-bit key), computed as the PDF
  // specification's algorithms 2, 3 and 4 say; the content streams are encrypted with each
  // object's key. The owner password is "owner".
  const std::string id("\x01\x23\x45\x67\x89\xab\xcd\xef\x01\x23\x45\x67\x89\xab\xcd\xef", 16);
  const std::string permissions("\xd4\xff\xff\xff", 4);  // /P -44, little-endian
  const std::string owner = Rc4(Md5(Padded("owner")).substr(0, 5), Padded(user_password));
  const std::string key = Md5(Padded(user_password) + owner + permissions + id).substr(0, 5);
  const std::string user = Rc4(key, Padded(""));
  const auto encrypt = [&key](std::size_t object, const std::string& stream) {
    const std::string salt = {static_cast<char>(object & 0xff),
                              static_cast<char>(object >> 8 & 0xff),
                              static_cast<char>(object >> 16 & 0xff), '\0', '\0'};
    return Rc4(Md5(key + salt).substr(0, 10), stream);
  };
  PdfObjects objects = Objects(pages, {.producer = "", .creation_date = ""}, encrypt);
  objects.bodies.push_back("<< /Filter /Standard /V 1 /R 2 /Length 40 /P -44 /O <" + Hex(owner) +
                           "> /U <" + Hex(user) + "> >>");
  objects.trailer_extra = " /Encrypt " + std::to_string(objects.bodies.size()) + " 0 R /ID [<" +
                          Hex(id) + "> <" + Hex(id) + ">]";
  return Serialize(objects, false);
}

std::string MakeDamagedPdf() {
  const std::string whole = MakePdf({{"This file is cut short."}});
  return whole.substr(0, whole.find("/Pages"));
}

}  // namespace freshd::testing
