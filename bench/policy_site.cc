#include "bench/policy_site.h"

#include <algorithm>
#include <iterator>
#include <string_view>

namespace freshd::bench {
namespace {

// splitmix64: portable, unlike the distributions of <random>.
class Random {
 public:
  explicit Random(std::uint64_t seed) : state_(seed) {}
  std::uint64_t Next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  std::size_t Below(std::size_t bound) { return Next() % bound; }
  bool Chance(std::size_t percent) { return Below(100) < percent; }
  double Unit() { return static_cast<double>(Next() >> 11) / 0x1p53; }

 private:
  std::uint64_t state_;
};

constexpr const char* kCompany = "Acme";
// Words found in most paragraphs of a policy site.
constexpr const char* kCommonWords[] = {
    "customer", "policy",   "request", "days",    "support", "account",  "team",
    "payment",  "order",    "please",  "must",    "may",     "within",   "after",
    "service",  "refund",   "data",    "access",  "manager", "approval", "notice",
    "office",   "employee", "working", "contact", "time",    "form",     "receive"};
constexpr const char* kHeadings[] = {
    "Eligibility", "Exceptions",   "How to apply", "Contact us",    "Scope",   "Definitions",
    "Deadlines",   "Who approves", "What changes", "Related pages", "Summary", "Questions"};
constexpr const char* kBoilerplate[] = {
    "Contact the Acme support team if anything here is unclear.",
    "This page replaces every earlier version of the Acme policy.",
    "Managers at Acme must make sure their team has read this policy.",
    "Personal data is processed by Acme as described in the privacy policy.",
    "Requests that Acme receives after the deadline are handled in the next cycle.",
    "The Acme policy team reviews this page every quarter and publishes changes here.",
};
constexpr std::size_t kTopicWords = 2000;

// Pronounceable made-up words, distinct for distinct numbers below 70^syllables.
std::string MadeUpWord(std::uint64_t number, int syllables) {
  constexpr std::string_view kConsonants = "bdfgklmnprstvz";
  constexpr std::string_view kVowels = "aeiou";
  std::string word;
  for (int i = 0; i < syllables; ++i) {
    const std::uint64_t syllable = number % (kConsonants.size() * kVowels.size());
    number /= kConsonants.size() * kVowels.size();
    word += kConsonants[syllable / kVowels.size()];
    word += kVowels[syllable % kVowels.size()];
  }
  return word;
}

class SiteWriter {
 public:
  explicit SiteWriter(std::uint64_t seed) : random_(seed) {
    double total = 0;
    for (std::size_t rank = 0; rank < kTopicWords; ++rank) {
      total += 1.0 / static_cast<double>(rank + 1);
      zipf_cumulative_.push_back(total);
    }
  }

  std::vector<Page> Site(int pages) {
    std::vector<Page> site;
    for (int number = 0; number < pages; ++number) {
      const std::string uri = "https://example.com/policies/" + std::to_string(number);
      if (number % 4 == 3) {
        site.push_back({uri, Variant(site[random_.Below(site.size())].text)});
      } else {
        site.push_back({uri, NewText()});
      }
    }
    return site;
  }

 private:
  std::string TopicWord() {
    const auto it =
        std::ranges::lower_bound(zipf_cumulative_, random_.Unit() * zipf_cumulative_.back());
    return MadeUpWord(static_cast<std::uint64_t>(it - zipf_cumulative_.begin()), 2);
  }

  // Common words, topic words, names of the page's own things, and numbers.
  std::string Word(const std::vector<std::string>& names) {
    const std::size_t roll = random_.Below(100);
    if (roll < 35) return kCommonWords[random_.Below(std::size(kCommonWords))];
    if (roll < 90) return TopicWord();
    if (roll < 96) return names[random_.Below(names.size())];
    return std::to_string(random_.Below(60) + 1);
  }

  std::string Sentence(const std::vector<std::string>& names, bool with_company) {
    std::vector<std::string> words(6 + random_.Below(12));
    for (std::string& word : words) word = Word(names);
    if (with_company) words[random_.Below(words.size())] = kCompany;
    std::string sentence;
    for (const std::string& word : words) {
      if (!sentence.empty()) sentence += ' ';
      sentence += word;
    }
    sentence[0] = static_cast<char>(sentence[0] >= 'a' ? sentence[0] - 'a' + 'A' : sentence[0]);
    return sentence + '.';
  }

  std::string Paragraph(const std::vector<std::string>& names) {
    std::string paragraph;
    const std::size_t sentences = 1 + random_.Below(5);
    for (std::size_t i = 0; i < sentences; ++i) {
      if (i > 0) paragraph += ' ';
      paragraph += Sentence(names, i == 0);
    }
    return paragraph;
  }

  std::string NewText() {
    std::vector<std::string> names;
    for (int i = 0; i < 3; ++i) names.push_back(MadeUpWord(random_.Next(), 3));
    std::string text = std::string(kCompany) + " policy for " + names[0] + " " + TopicWord();
    const std::size_t blocks = 6 + random_.Below(9);
    for (std::size_t i = 0; i < blocks; ++i) {
      text += "\n\n";
      const std::size_t roll = random_.Below(100);
      if (roll < 20) {
        text += kHeadings[random_.Below(std::size(kHeadings))];
      } else if (roll < 28) {
        text += kBoilerplate[random_.Below(std::size(kBoilerplate))];
      } else {
        text += Paragraph(names);
      }
    }
    return text;
  }

  // One lowercase word of a sentence paragraph replaced (a heading stays as it is).
  std::string Reworded(const std::string& paragraph) {
    if (!paragraph.ends_with('.')) return paragraph;
    std::vector<std::size_t> starts;
    for (std::size_t i = 1; i < paragraph.size(); ++i) {
      if (paragraph[i - 1] == ' ' && paragraph[i] >= 'a' && paragraph[i] <= 'z') {
        starts.push_back(i);
      }
    }
    if (starts.empty()) return paragraph;
    const std::size_t start = starts[random_.Below(starts.size())];
    const std::size_t end = paragraph.find_first_of(" .", start);
    return paragraph.substr(0, start) + TopicWord() + paragraph.substr(end);
  }

  std::string Variant(const std::string& base) {
    std::string text;
    for (const std::string& paragraph : ParagraphsOf(base)) {
      if (!text.empty()) text += "\n\n";
      text += random_.Chance(40) ? Reworded(paragraph) : paragraph;
    }
    return text;
  }

  Random random_;
  std::vector<double> zipf_cumulative_;
};

}  // namespace

std::vector<Page> PolicySite(int pages, std::uint64_t seed) { return SiteWriter(seed).Site(pages); }

std::vector<std::string> ParagraphsOf(const std::string& text) {
  std::vector<std::string> paragraphs;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find("\n\n", start);
    if (end == std::string::npos) end = text.size();
    if (end > start) paragraphs.push_back(text.substr(start, end - start));
    start = end + 2;
  }
  return paragraphs;
}

}  // namespace freshd::bench
