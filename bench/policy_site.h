// A synthetic policy site, for the search tests and benchmarks: pages of headings and
// paragraphs with what makes ranking hard on a real one. Words follow Zipf's law; some words
// are in most paragraphs, and the company's name ("Acme") is in every one; pages share
// headings and boilerplate paragraphs; and a quarter of the pages are regional variants of
// another, most paragraphs identical, the others one word apart.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace freshd::bench {

struct Page {
  std::string uri;
  std::string text;  // as normalized: paragraphs separated by blank lines
};

// The same pages for the same arguments, on every machine.
std::vector<Page> PolicySite(int pages, std::uint64_t seed);

// A text's paragraphs, split at blank lines.
std::vector<std::string> ParagraphsOf(const std::string& text);

}  // namespace freshd::bench
