#include "watchers/volatility.h"

#include <catch2/catch.hpp>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "watchers/normalize.h"

namespace freshd::watchers {
namespace {

using Masks = std::vector<std::string>;

std::unique_ptr<Normalizer> MakeNormalizer() {
  auto normalizer = Normalizer::Create({}, {});
  INFO(normalizer.status().ToString());
  REQUIRE(normalizer.ok());
  return std::move(normalizer).value();
}

std::size_t CountPlaceholders(std::string_view text) {
  std::size_t count = 0;
  for (std::size_t pos = text.find(kVolatilePlaceholder); pos != std::string_view::npos;
       pos = text.find(kVolatilePlaceholder, pos + 1)) {
    ++count;
  }
  return count;
}

// A policy page whose footer says when it was rendered and carries a per-request token. The
// footer is a <div>: a page-level <footer> element is dropped by the normalizer anyway.
std::string PolicyPage(std::string_view paragraph, std::string_view rendered,
                       std::string_view token) {
  return std::string(R"(<!DOCTYPE html>
<html><head><title>Refunds</title></head>
<body>
  <main>
    <h1>Refund policy</h1>
    <p>)") +
         std::string(paragraph) +
         R"(</p>
    <p>Contact support for anything else.</p>
  </main>
  <div class="site-footer">
    <p>Page generated )" +
         std::string(rendered) + R"( UTC</p>
    <p>Request token: )" +
         std::string(token) + R"(</p>
    <p>© Example Shop</p>
  </div>
</body></html>)";
}

constexpr std::string_view kRefunds = "Refunds are possible within 30 days.";

struct Fetched {
  std::string text;
  std::string hash;
  std::size_t masked = 0;
};

Fetched Fetch(const Normalizer& normalizer, const std::string& html, const Masks& masks) {
  const Normalizer::Result result = normalizer.Normalize(html, ContentKind::kHtml, "", masks);
  INFO(result.message);
  REQUIRE(result.error == FetchError::kNone);
  return Fetched{result.text, ContentHash(result.text), result.masked};
}

TEST_CASE("Masks learned from two fetches seconds apart make a timestamp and a token noise",
          "[volatility]") {
  const auto normalizer = MakeNormalizer();
  // The probe: two fetches three seconds apart.
  const Fetched first =
      Fetch(*normalizer, PolicyPage(kRefunds, "2024-05-01 14:03:35", "9f8e7d6c5b4a3921"), {});
  const Fetched second =
      Fetch(*normalizer, PolicyPage(kRefunds, "2024-05-01 14:03:38", "0a1b2c3d4e5f6071"), {});
  REQUIRE(first.hash != second.hash);  // without masks, the page "changes" every fetch

  const VolatilityProbe probe = LearnVolatileMasks(first.text, second.text);
  // The date is stable over three seconds, but it is part of the clock: wildcarded with it.
  CHECK(probe.masks == Masks{R"(^Page generated (\S+ \S+) UTC$)", R"(^Request token\: (\S+)$)"});
  CHECK(probe.unaligned == 0);
  CHECK(probe.over_cap == 0);
  CHECK(probe.settles);  // the masks explain every difference between the two fetches

  // A later check: another day, another time, another token. Same hash as the probe's.
  const Fetched probed = Fetch(
      *normalizer, PolicyPage(kRefunds, "2024-05-01 14:03:38", "0a1b2c3d4e5f6071"), probe.masks);
  const Fetched later = Fetch(
      *normalizer, PolicyPage(kRefunds, "2024-05-02 09:00:00", "ffffeeeeddddcccc"), probe.masks);
  CHECK(later.text == probed.text);
  CHECK(later.hash == probed.hash);
  CHECK(later.text.find("Page generated <volatile> UTC\n\nRequest token: <volatile>") !=
        std::string::npos);
  // One placeholder per volatile fragment: the rendering time and the token.
  CHECK(later.masked == 2);
  CHECK(CountPlaceholders(later.text) == 2);

  // A real change in the body still changes the hash, with the same masks.
  const Fetched changed = Fetch(
      *normalizer,
      PolicyPage("Refunds are possible within 14 days.", "2024-05-02 09:00:05", "1234123412341234"),
      probe.masks);
  CHECK(changed.hash != later.hash);
  CHECK(changed.masked == 2);
  CHECK(changed.text.find("within 14 days") != std::string::npos);
}

TEST_CASE("A mask keeps the stable text of its line, cut back to whole words", "[volatility]") {
  const VolatilityProbe probe =
      LearnVolatileMasks("Intro\nUpdated 14:03:35\nEnd", "Intro\nUpdated 14:03:39\nEnd");
  REQUIRE(probe.masks == Masks{R"(^Updated (\S+)$)"});
  std::size_t masked = 0;
  CHECK(ApplyMasks("Updated 09:00:00", probe.masks, &masked) == "Updated <volatile>");
  CHECK(masked == 1);
  // Anything else on the line is not the volatile part: no match, no mask.
  CHECK(ApplyMasks("Updated by Alice", probe.masks, &masked) == "Updated by Alice");
  CHECK(masked == 0);
  CHECK(ApplyMasks("Last Updated 09:00:00", probe.masks, &masked) == "Last Updated 09:00:00");
  CHECK(masked == 0);
  CHECK(ApplyMasks("Created 09:00:00", probe.masks, &masked) == "Created 09:00:00");
  CHECK(masked == 0);
}

TEST_CASE("The placeholder count equals the number of volatile fragments", "[volatility]") {
  const std::string first = "Title\nRendered at 14:03:35 by node-7 in 12 ms\nsession abc123\nBody";
  const std::string second = "Title\nRendered at 14:03:38 by node-3 in 9 ms\nsession def456\nBody";
  const VolatilityProbe probe = LearnVolatileMasks(first, second);
  // Stable words between the differing ones stay literal: three fragments on the first line.
  CHECK(probe.masks == Masks{R"(^Rendered at (\S+) by (\S+) in (\S+) ms$)", R"(^session (\S+)$)"});
  std::size_t masked = 0;
  const std::string third = "Title\nRendered at 23:59:59 by node-1 in 250 ms\nsession zzz\nBody";
  const std::string text = ApplyMasks(third, probe.masks, &masked);
  CHECK(text ==
        "Title\nRendered at <volatile> by <volatile> in <volatile> ms\n"
        "session <volatile>\nBody");
  CHECK(masked == 4);
  CHECK(CountPlaceholders(text) == masked);
  CHECK(text == ApplyMasks(second, probe.masks, nullptr));
  // Applying masks again replaces nothing more.
  CHECK(ApplyMasks(text, probe.masks, &masked) == text);
  CHECK(masked == 0);
}

TEST_CASE("An inserted ad line does not break the alignment of the rest", "[volatility]") {
  const std::string first =
      "Refund policy\n\nRefunds are possible within 30 days.\n\nUpdated 14:03:35\n"
      "Contact support.\n\nToken: aaaa1111";
  // The second fetch has an ad paragraph before the timestamp and one right after it.
  const std::string second =
      "Refund policy\n\nRefunds are possible within 30 days.\n\nBuy shoes at ShoeCo!\n\n"
      "Updated 14:03:38\nTry our new app today\nContact support.\n\nToken: bbbb2222";
  const VolatilityProbe probe = LearnVolatileMasks(first, second);
  CHECK(probe.masks == Masks{R"(^Updated (\S+)$)", R"(^Token\: (\S+)$)"});
  CHECK(probe.unaligned == 2);  // the two ad lines, which have no counterpart
  CHECK_FALSE(probe.settles);   // the ads are still a difference
  // A removed ad is the same: the rest is aligned, the removed line is unaligned.
  const VolatilityProbe reverse = LearnVolatileMasks(second, first);
  CHECK(reverse.masks == probe.masks);
  CHECK(reverse.unaligned == 2);
}

TEST_CASE("A changed line pairs with the line most like it, not with the ad beside it",
          "[volatility]") {
  const VolatilityProbe probe = LearnVolatileMasks(
      "Head\nServed in 12 ms from cache\nTail",
      "Head\nSponsored: in a hurry? Fly from here\nServed in 9 ms from cache\nTail");
  CHECK(probe.masks == Masks{R"(^Served in (\S+) ms from cache$)"});
  CHECK(probe.unaligned == 1);
}

TEST_CASE("Lines whose number of words differ get one wildcard over the differing words",
          "[volatility]") {
  const VolatilityProbe probe =
      LearnVolatileMasks("Weather: sunny and 21 degrees today", "Weather: rain 19 degrees today");
  REQUIRE(probe.masks == Masks{R"(^Weather\: (.+?) degrees today$)"});
  std::size_t masked = 0;
  CHECK(ApplyMasks("Weather: snow degrees today", probe.masks, &masked) ==
        "Weather: <volatile> degrees today");
  CHECK(masked == 1);
  // A word added at the end: the wildcard takes the last stable word with it, never nothing.
  const VolatilityProbe appended =
      LearnVolatileMasks("Visitors online now", "Visitors online now 3");
  CHECK(appended.masks == Masks{R"(^Visitors online (.+?)$)"});
}

TEST_CASE("Identical texts learn nothing", "[volatility]") {
  const std::string text = "Refund policy\n\nRefunds are possible within 30 days.\nUpdated 14:03";
  const VolatilityProbe probe = LearnVolatileMasks(text, text);
  CHECK(probe.masks.empty());
  CHECK(probe.unaligned == 0);
  CHECK(probe.settles);
  CHECK(LearnVolatileMasks("", "").masks.empty());
}

TEST_CASE("An entirely different text learns no masks", "[volatility]") {
  const VolatilityProbe probe =
      LearnVolatileMasks("alpha beta\ngamma\n\ndelta epsilon", "one two\nthree four five\n\nsix");
  CHECK(probe.masks.empty());
  CHECK(probe.unaligned == 6);  // every non-blank line of both texts
  CHECK_FALSE(probe.settles);
  // A line where nothing stable remains gives no mask, even with stable lines around it.
  const VolatilityProbe token_line =
      LearnVolatileMasks("Title\n9f8e7d6c\nBody", "Title\n0a1b2c3d\nBody");
  CHECK(token_line.masks.empty());
  CHECK(token_line.unaligned == 2);
  // Nor does punctuation alone count as stable text.
  const VolatilityProbe punctuation = LearnVolatileMasks("abc | def", "ghi | jkl");
  CHECK(punctuation.masks.empty());
  CHECK(punctuation.unaligned == 2);
}

TEST_CASE("At most 32 masks are learned from one probe", "[volatility]") {
  std::string first;
  std::string second;
  for (int i = 0; i < 40; ++i) {
    first += "Counter " + std::to_string(i) + " is at 1" + std::to_string(i) + "\n\n";
    second += "Counter " + std::to_string(i) + " is at 2" + std::to_string(i) + "\n\n";
  }
  const VolatilityProbe probe = LearnVolatileMasks(first, second);
  CHECK(probe.masks.size() == kMaxVolatileMasks);
  CHECK(probe.over_cap == 40 - kMaxVolatileMasks);
  CHECK(probe.masks.front() == R"(^Counter 0 is at (\S+)$)");
}

TEST_CASE("Volatile lines far apart in a long text are aligned quickly", "[volatility]") {
  std::string first = "Clock 10:00:01\n";
  std::string second = "Clock 10:00:04\n";
  for (int i = 0; i < 20000; ++i) {
    const std::string line = "Stable paragraph number " + std::to_string(i) + "\n";
    first += line;
    second += line;
    if (i == 10000) {
      first += "Visitors: 1500\n";
      second += "Visitors: 1504\n";
    }
  }
  first += "Token x1";
  second += "Token y2";
  const VolatilityProbe probe = LearnVolatileMasks(first, second);
  CHECK(probe.masks == Masks{R"(^Clock (\S+)$)", R"(^Visitors\: (\S+)$)", R"(^Token (\S+)$)"});
  CHECK(probe.unaligned == 0);
}

TEST_CASE("Texts too different to align learn nothing", "[volatility]") {
  std::string first;
  std::string second;
  for (int i = 0; i < 1500; ++i) {
    first += "a" + std::to_string(i) + "\n";
    second += "b" + std::to_string(i) + "\n";
  }
  const VolatilityProbe probe = LearnVolatileMasks(first, second);
  CHECK(probe.masks.empty());
  CHECK(probe.unaligned == 3000);
}

TEST_CASE("ApplyMasks skips invalid masks and replaces whole matches of masks without groups",
          "[volatility]") {
  std::size_t masked = 99;
  CHECK(ApplyMasks("id 42\nid 43", {"(unclosed", R"(^id (\d+)$)"}, &masked) ==
        "id <volatile>\nid <volatile>");
  CHECK(masked == 2);
  CHECK(ApplyMasks("ref=ab12 and ref=cd34", {R"(ref=\w+)"}, &masked) ==
        "<volatile> and <volatile>");
  CHECK(masked == 2);
  // Empty matches are never replaced.
  CHECK(ApplyMasks("abc", {"x*"}, &masked) == "abc");
  CHECK(masked == 0);
  CHECK(ApplyMasks("héllo wörld 1", {R"(^héllo (\S+) 1$)"}, &masked) == "héllo <volatile> 1");
  CHECK(masked == 1);
  CHECK(ApplyMasks("no masks", {}, &masked) == "no masks");
  CHECK(masked == 0);
}

TEST_CASE("Normalize with masks masks the HTML's normalized text after ignore patterns",
          "[volatility][normalize]") {
  auto created = Normalizer::Create({}, {R"(Tracking id \S+)"});
  REQUIRE(created.ok());
  const std::unique_ptr<Normalizer> normalizer = std::move(created).value();
  const std::string html =
      "<html><body><h1>Prices</h1><p>Apples cost 2 EUR.</p>"
      "<div>Tracking id 77f1 Last refresh: <b>14:03:35</b>   (server <i>eu-2</i>)</div>"
      "</body></html>";
  const Normalizer::Result plain = normalizer->Normalize(html, ContentKind::kHtml, "");
  REQUIRE(plain.error == FetchError::kNone);
  CHECK(plain.text == "Prices\n\nApples cost 2 EUR.\n\nLast refresh: 14:03:35 (server eu-2)");
  CHECK(plain.masked == 0);
  // The empty mask list is the three-argument overload.
  const Normalizer::Result none = normalizer->Normalize(html, ContentKind::kHtml, "", {});
  CHECK(none.text == plain.text);
  CHECK(none.masked == 0);

  const Masks masks = {"[invalid", R"(^Last refresh\: (\S+) \(server (\S+)\)$)"};
  const Normalizer::Result masked = normalizer->Normalize(html, ContentKind::kHtml, "", masks);
  REQUIRE(masked.error == FetchError::kNone);  // the invalid mask is skipped, not an error
  CHECK(masked.text ==
        "Prices\n\nApples cost 2 EUR.\n\nLast refresh: <volatile> (server <volatile>)");
  CHECK(masked.masked == 2);
  // A parse failure is still a parse failure.
  const Normalizer::Result bad = normalizer->Normalize("{not json", ContentKind::kJson, "", masks);
  CHECK(bad.error == FetchError::kParse);
}

}  // namespace
}  // namespace freshd::watchers

TEST_CASE("every change is probed and new pages only up to the run's sample") {
  const freshd::watchers::ProbeBudget budget{2, 10};
  using freshd::watchers::ShouldProbe;
  CHECK(ShouldProbe(/*changed=*/true, false, 99, 0, budget));
  CHECK(ShouldProbe(false, /*is_new=*/true, 1, 0, budget));
  CHECK_FALSE(ShouldProbe(false, true, 2, 0, budget));
  CHECK_FALSE(ShouldProbe(false, false, 0, 0, budget));  // unchanged
  CHECK_FALSE(ShouldProbe(true, false, 0, 10, budget));  // too many probes waiting
}

TEST_CASE("a mask is confirmed only when both probes saw the part move") {
  using freshd::watchers::ConfirmVolatileMasks;
  const std::vector<std::string> clock = {"Refunds within 30 days.\nUpdated 10:00:01",
                                          "Refunds within 30 days.\nUpdated 10:00:04",
                                          "Refunds within 30 days.\nUpdated 10:00:07"};
  const auto masks = ConfirmVolatileMasks(clock, {"^kept$"});
  REQUIRE(masks.size() == 2);
  CHECK(masks[0] == "^kept$");

  // A real edit between the check and the first probe, then nothing: not volatile.
  const std::vector<std::string> edit = {"Refunds within 30 days.", "Refunds within 14 days.",
                                         "Refunds within 14 days."};
  CHECK(ConfirmVolatileMasks(edit, {}).empty());
  // Masks already known are not added twice.
  CHECK(ConfirmVolatileMasks(clock, masks) == masks);
}

TEST_CASE("the probes come quick and a still page is probed again slowly once") {
  using freshd::watchers::NextProbe;
  using freshd::watchers::PlanNextProbe;
  using std::chrono::milliseconds;
  const freshd::watchers::ProbeDelays delays{milliseconds(3000), milliseconds(61000)};
  const milliseconds quick = delays.quick;
  const milliseconds slow = delays.slow;

  // The first probe differs from the checked text: the second follows as quickly.
  NextProbe next = PlanNextProbe({"a 1", "a 2"}, quick, delays);
  CHECK(next.step == NextProbe::Step::kFetch);
  CHECK(next.delay == quick);
  // Nothing moved in seconds: the probe is made again at the slow pace.
  next = PlanNextProbe({"a", "a"}, quick, delays);
  CHECK(next.step == NextProbe::Step::kRetrySlower);
  CHECK(next.delay == slow);
  // A slow probe that saw nothing move is not retried: the second probe follows it.
  next = PlanNextProbe({"a", "a"}, slow, delays);
  CHECK(next.step == NextProbe::Step::kFetch);
  CHECK(next.delay == slow);
  // Three texts: done, whatever they hold.
  next = PlanNextProbe({"a", "a", "a"}, slow, delays);
  CHECK(next.step == NextProbe::Step::kDone);
  next = PlanNextProbe({"a 1", "a 2", "a 3"}, quick, delays);
  CHECK(next.step == NextProbe::Step::kDone);
  // Moved once in seconds, then not: a minute clock ticked; the second probe waits longer.
  next = PlanNextProbe({"at 10:03", "at 10:04", "at 10:04"}, quick, delays);
  CHECK(next.step == NextProbe::Step::kRetrySlower);
  CHECK(next.delay == slow);
  next = PlanNextProbe({"at 10:03", "at 10:04", "at 10:05"}, slow, delays);
  CHECK(next.step == NextProbe::Step::kDone);
  next = PlanNextProbe({"at 10:03", "at 10:04", "at 10:04"}, slow, delays);
  CHECK(next.step == NextProbe::Step::kDone);
}

TEST_CASE("a line sketch tells a text that differs only in masked lines from an edited one") {
  using freshd::watchers::DiffersOnlyInMaskedLines;
  using freshd::watchers::LineSketch;
  const std::string recorded =
      "Refunds within 30 days.\nRendered at 10:03 UTC\nRequest id <volatile>";
  const std::string sketch = LineSketch(recorded);
  CHECK(sketch.size() == 3 * 8);  // a 64-bit hash a line
  const std::vector<std::string> minutes = {R"(^Rendered at (\S+) UTC$)"};

  // Only the clock's line differs, and the new mask takes it whole.
  CHECK(DiffersOnlyInMaskedLines(
      sketch, "Refunds within 30 days.\nRendered at 10:04 UTC\nRequest id <volatile>", minutes));
  // A real edit beside it is not explained by the mask.
  CHECK_FALSE(DiffersOnlyInMaskedLines(
      sketch, "Refunds within 14 days.\nRendered at 10:04 UTC\nRequest id <volatile>", minutes));
  // Nor a line added or removed, nor a difference without a mask for it.
  CHECK_FALSE(DiffersOnlyInMaskedLines(
      sketch, "Refunds within 30 days.\nRendered at 10:04 UTC\nRequest id <volatile>\nNew",
      minutes));
  CHECK_FALSE(
      DiffersOnlyInMaskedLines(sketch, "Refunds within 30 days.\nRendered at 10:04 UTC", minutes));
  CHECK_FALSE(DiffersOnlyInMaskedLines(
      sketch, "Refunds within 30 days.\nRendered at 10:04 UTC\nRequest id <volatile>", {}));
  // The same text: nothing to explain, so no confirmation of a change from it.
  CHECK_FALSE(DiffersOnlyInMaskedLines(sketch, recorded, minutes));
  // No sketch (a text too long to sketch, or none kept): nothing is known.
  CHECK_FALSE(DiffersOnlyInMaskedLines("", "Rendered at 10:04 UTC", minutes));
  std::string long_text;
  for (std::size_t i = 0; i <= freshd::watchers::kMaxSketchLines; ++i) long_text += "line\n";
  CHECK(LineSketch(long_text).empty());
}
