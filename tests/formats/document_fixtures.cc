// The zip-based writers of document_fixtures.h: DOCX, PPTX, ODT, ODP and the zip bomb.
#include "tests/formats/document_fixtures.h"

#include <string>
#include <utility>
#include <vector>

#include "tests/formats/zip_writer.h"

namespace freshd::testing {
namespace {

constexpr const char* kXmlDeclaration =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n";

std::string Escape(const std::string& text) {
  std::string out;
  for (const char c : text) {
    if (c == '&')
      out += "&amp;";
    else if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else
      out += c;
  }
  return out;
}

// `text` as inline XML: runs of text, with `tab` and `line_break` for '\t' and '\n'.
std::string Inline(const std::string& text, const std::string& open, const std::string& close,
                   const std::string& tab, const std::string& line_break) {
  std::string out, run;
  auto flush = [&] {
    if (!run.empty()) out += open + Escape(run) + close;
    run.clear();
  };
  for (const char c : text) {
    if (c == '\t' || c == '\n') {
      flush();
      out += c == '\t' ? tab : line_break;
    } else {
      run += c;
    }
  }
  flush();
  return out;
}

// ---- DOCX ----

std::string WordRuns(const std::string& text) {
  return Inline(text, "<w:r><w:t xml:space=\"preserve\">", "</w:t></w:r>", "<w:r><w:tab/></w:r>",
                "<w:r><w:br/></w:r>");
}

std::string WordParagraph(const std::string& properties, const std::string& text) {
  return "<w:p>" + (properties.empty() ? "" : "<w:pPr>" + properties + "</w:pPr>") +
         WordRuns(text) + "</w:p>";
}

std::string WordBlock(const Block& block) {
  switch (block.kind) {
    case Block::Kind::kHeading:
      return WordParagraph("<w:pStyle w:val=\"Heading" + std::to_string(block.level) + "\"/>",
                           block.text);
    case Block::Kind::kListItem:
      return WordParagraph(
          "<w:pStyle w:val=\"ListParagraph\"/><w:numPr><w:ilvl w:val=\"0\"/>"
          "<w:numId w:val=\"1\"/></w:numPr>",
          block.text);
    case Block::Kind::kTable: {
      std::string out = "<w:tbl><w:tblPr><w:tblW w:w=\"0\" w:type=\"auto\"/></w:tblPr>";
      for (const auto& row : block.rows) {
        out += "<w:tr>";
        for (const std::string& cell : row) out += "<w:tc>" + WordParagraph("", cell) + "</w:tc>";
        out += "</w:tr>";
      }
      return out + "</w:tbl>";
    }
    case Block::Kind::kParagraph:
      break;
  }
  return WordParagraph("", block.text);
}

// ---- OpenDocument ----

constexpr const char* kOdfNamespaces =
    " xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\""
    " xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\""
    " xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\""
    " xmlns:draw=\"urn:oasis:names:tc:opendocument:xmlns:drawing:1.0\""
    " xmlns:presentation=\"urn:oasis:names:tc:opendocument:xmlns:presentation:1.0\""
    " office:version=\"1.2\"";

std::string OdfInline(const std::string& text) {
  return Inline(text, "", "", "<text:tab/>", "<text:line-break/>");
}

std::string OdfBlock(const Block& block) {
  switch (block.kind) {
    case Block::Kind::kHeading:
      return "<text:h text:outline-level=\"" + std::to_string(block.level) + "\">" +
             OdfInline(block.text) + "</text:h>";
    case Block::Kind::kListItem:
      return "<text:list><text:list-item><text:p>" + OdfInline(block.text) +
             "</text:p></text:list-item></text:list>";
    case Block::Kind::kTable: {
      std::string out = "<table:table table:name=\"Table1\">";
      for (const auto& row : block.rows) {
        out += "<table:table-row>";
        for (const std::string& cell : row) {
          out += "<table:table-cell><text:p>" + OdfInline(cell) + "</text:p></table:table-cell>";
        }
        out += "</table:table-row>";
      }
      return out + "</table:table>";
    }
    case Block::Kind::kParagraph:
      break;
  }
  return "<text:p>" + OdfInline(block.text) + "</text:p>";
}

std::string MakeOdf(const std::string& mimetype, const std::string& body) {
  const std::string manifest =
      std::string(kXmlDeclaration) +
      "<manifest:manifest xmlns:manifest=\"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0\">"
      "<manifest:file-entry manifest:full-path=\"/\" manifest:media-type=\"" +
      mimetype +
      "\"/>"
      "<manifest:file-entry manifest:full-path=\"content.xml\" manifest:media-type=\"text/xml\"/>"
      "</manifest:manifest>";
  const std::string content = std::string(kXmlDeclaration) + "<office:document-content" +
                              kOdfNamespaces + "><office:body>" + body +
                              "</office:body></office:document-content>";
  return WriteZip({{"mimetype", mimetype, true},
                   {"META-INF/manifest.xml", manifest},
                   {"content.xml", content}});
}

}  // namespace

Block Paragraph(std::string text) { return Block{Block::Kind::kParagraph, 0, std::move(text), {}}; }
Block Heading(int level, std::string text) {
  return Block{Block::Kind::kHeading, level, std::move(text), {}};
}
Block ListItem(std::string text) { return Block{Block::Kind::kListItem, 0, std::move(text), {}}; }
Block Table(std::vector<std::vector<std::string>> rows) {
  return Block{Block::Kind::kTable, 0, "", std::move(rows)};
}

std::string MakeDocx(const std::vector<Block>& blocks) {
  std::string body;
  for (const Block& block : blocks) body += WordBlock(block);
  const std::string document =
      std::string(kXmlDeclaration) +
      "<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\">"
      "<w:body>" +
      body + "<w:sectPr/></w:body></w:document>";
  return WriteZip(
      {{"[Content_Types].xml",
        std::string(kXmlDeclaration) +
            "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
            "<Override PartName=\"/word/document.xml\" ContentType=\"application/"
            "vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/></Types>"},
       {"_rels/.rels",
        std::string(kXmlDeclaration) +
            "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
            "<Relationship Id=\"rId1\" "
            "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/"
            "relationships/officeDocument\" Target=\"word/document.xml\"/></Relationships>"},
       {"word/document.xml", document}});
}

std::string MakePptx(const std::vector<Slide>& slides) {
  std::vector<ZipMember> members = {
      {"[Content_Types].xml",
       std::string(kXmlDeclaration) +
           "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>"},
      {"ppt/presentation.xml",
       std::string(kXmlDeclaration) +
           "<p:presentation xmlns:p=\"http://schemas.openxmlformats.org/presentationml/2006/"
           "main\"/>"}};
  for (std::size_t i = slides.size(); i-- > 0;) {
    std::string paragraphs;
    for (const std::string& text : slides[i]) {
      paragraphs +=
          "<a:p>" +
          Inline(text, "<a:r><a:t>", "</a:t></a:r>", "<a:r><a:t> </a:t></a:r>", "<a:br/>") +
          "</a:p>";
    }
    members.push_back(
        {"ppt/slides/slide" + std::to_string(i + 1) + ".xml",
         std::string(kXmlDeclaration) +
             "<p:sld xmlns:p=\"http://schemas.openxmlformats.org/presentationml/2006/main\" "
             "xmlns:a=\"http://schemas.openxmlformats.org/drawingml/2006/main\"><p:cSld>"
             "<p:spTree><p:sp><p:txBody><a:bodyPr/>" +
             paragraphs + "</p:txBody></p:sp></p:spTree></p:cSld></p:sld>"});
  }
  return WriteZip(members);
}

std::string MakeOdt(const std::vector<Block>& blocks) {
  std::string body;
  for (const Block& block : blocks) body += OdfBlock(block);
  return MakeOdf("application/vnd.oasis.opendocument.text",
                 "<office:text>" + body + "</office:text>");
}

std::string MakeOdp(const std::vector<Slide>& slides) {
  std::string body;
  for (std::size_t i = 0; i < slides.size(); ++i) {
    body +=
        "<draw:page draw:name=\"page" + std::to_string(i + 1) + "\"><draw:frame><draw:text-box>";
    for (const std::string& text : slides[i]) body += "<text:p>" + OdfInline(text) + "</text:p>";
    body +=
        "</draw:text-box></draw:frame><presentation:notes><draw:frame><draw:text-box>"
        "<text:p>speaker notes stay out</text:p></draw:text-box></draw:frame>"
        "</presentation:notes></draw:page>";
  }
  return MakeOdf("application/vnd.oasis.opendocument.presentation",
                 "<office:presentation>" + body + "</office:presentation>");
}

std::string MakeZipBomb(std::uint64_t unzipped_bytes) {
  constexpr std::uint32_t kBlock = 1 << 20;
  const auto repeats = static_cast<std::uint32_t>((unzipped_bytes + kBlock - 1) / kBlock);
  return WriteRepeatedMemberZip("word/document.xml", std::string(kBlock, ' '), repeats);
}

std::string MakeZip(const std::map<std::string, std::string>& members) {
  std::vector<ZipMember> list;
  for (const auto& [name, content] : members) list.push_back({name, content});
  return WriteZip(list);
}

}  // namespace freshd::testing
