// Noise is not change (issue 3, item 3): text that differs between two fetches of a document
// made seconds apart (a clock, a request token, a rotating ad) is volatile. It is learned once
// as masks, stored per document, and masked out of the normalized text before hashing.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace freshd::watchers {

// What a masked fragment of text is replaced with.
inline constexpr std::string_view kVolatilePlaceholder = "<volatile>";
// At most this many masks are learned from one probe.
inline constexpr std::size_t kMaxVolatileMasks = 32;

// Learns the parts of a normalized text that changed between two fetches made seconds apart:
// each differing line yields one mask, a PCRE2 pattern that matches that line with its volatile
// part as a wildcard, anchored to the stable text around it (cut back to word boundaries, so
// that "Updated 14:03:35" and "Updated 14:03:39" give a mask that also matches "Updated 09:00:00").
// Lines are aligned by a longest-common-subsequence diff, so an inserted or removed line (an
// ad block) yields a mask for the line only when a counterpart exists; lines with no counterpart
// are returned in `unaligned` (the caller may decide the page is too unstable to learn from).
//
// Details:
// - Words are the runs of non-space characters of a line (normalized text has single spaces).
//   The stable prefix and suffix words of a line are literal in its mask; the differing words
//   become capture groups: `(\S+)` for each run of differing words when both lines have as many
//   words (stable words between the runs stay literal), else one `(.+?)` from the first
//   differing word to the last. A stable word made only of digits and `-:/.,+` next to a
//   differing word with a digit counts as part of the same clock ("2024-05-01 14:03:35": the
//   date is wildcarded with the time, so the mask still matches tomorrow).
// - Masks are anchored to the whole line (`^...$`). A pair of lines without a stable word
//   that has a letter or digit yields no mask: both of its lines count in `unaligned`.
// - Within a run of changed lines, lines are paired in order by the number of stable words
//   they share, so an ad line inserted next to a changed timestamp line does not steal its
//   counterpart. Blank lines are never counted.
// - `unaligned` counts non-blank lines of either text that got no mask for want of a
//   counterpart (or of stable text). Pairs beyond kMaxVolatileMasks are counted in
//   `over_cap`. When the texts differ in more than about a thousand line edits, nothing is
//   learned and every differing line is unaligned.
struct VolatilityProbe {
  std::vector<std::string> masks;  // distinct, in the order of the lines, at most 32
  std::size_t unaligned = 0;
  std::size_t over_cap = 0;  // differing line pairs that would have given a mask past the cap
  // The two texts are equal once masked: the masks explain every difference. False when lines
  // are unaligned or over the cap, and (rarely) when a mask anchored on one side only ("^(.+?)
  // Updated$") also takes another changed line that a later mask was learned for.
  bool settles = false;
};
VolatilityProbe LearnVolatileMasks(std::string_view first, std::string_view second);

// Replaces, for each mask in turn, every match in `normalized_text` by kVolatilePlaceholder:
// each capture group that took part in a match is one volatile fragment (a mask without
// groups replaces its whole match). Empty fragments and fragments that already are the
// placeholder are left alone, so applying masks twice changes nothing more. *masked (when
// not null) is set to the number of fragments replaced. Masks are compiled on each call
// (UTF, multiline, with the match limit of ignore patterns); an invalid mask, or one that
// fails on this text (match limit), is skipped.
std::string ApplyMasks(std::string_view normalized_text, const std::vector<std::string>& masks,
                       std::size_t* masked);

// The probe: a page new or changed in a check is fetched twice more, a few seconds apart.
// Every change is probed (noise shows up as changes); of the pages new in a run, only
// `new_per_run` (so that a 100,000-page first pass does not cost 300,000 requests); none
// while `waiting` probes already wait their turn, at `max_waiting`.
struct ProbeBudget {
  int new_per_run = 16;
  std::size_t max_waiting = 256;
};
bool ShouldProbe(bool changed, bool is_new, int new_probed_this_run, std::size_t waiting,
                 const ProbeBudget& budget);

// When the probes of one document are fetched. The checked text is probed `quick` later,
// and again `quick` after that; when the first probe saw nothing move, it is dropped and
// made again `slow` later instead, for clocks that show minutes (at most once: a slow probe
// is never retried). So is the second, when it saw nothing move after the first did (such a
// clock ticked between the checked text and the first probe).
struct ProbeDelays {
  std::chrono::milliseconds quick{3000};
  std::chrono::milliseconds slow{61000};
};
inline constexpr std::size_t kProbeTexts = 3;  // the checked text and two probes
struct NextProbe {
  enum class Step {
    kFetch,        // fetch another probe after `delay`
    kRetrySlower,  // drop the last text (equal to the one before) and fetch it again after `delay`
    kDone,         // kProbeTexts texts are in: confirm the masks (ConfirmVolatileMasks)
  };
  Step step = Step::kDone;
  std::chrono::milliseconds delay{0};
};
// `texts`: the checked text, then the probes fetched so far (at least one text);
// `used`: the delay the last probe waited.
NextProbe PlanNextProbe(const std::vector<std::string>& texts, std::chrono::milliseconds used,
                        const ProbeDelays& delays);

// A document's masks after its probes: `texts` holds the checked text and the two probes'
// (normalized under `current`). A part is volatile when it differs between the first and
// second text AND between the second and third: a clock or a token does, a real edit
// (which happens once) does not. Returns `current` followed by the confirmed masks it did
// not hold yet, at most kMaxMasksPerDocument in all (equal to `current` when none is new).
inline constexpr std::size_t kMaxMasksPerDocument = 32;
std::vector<std::string> ConfirmVolatileMasks(const std::vector<std::string>& texts,
                                              std::vector<std::string> current);

// Confirming a change before it is recorded: a document's last recorded text is not kept,
// only its line sketch (a 64-bit hash of each line, 8 bytes a line), so that a later check
// whose probes learn new masks can tell whether its text differs from the recorded one only
// in lines those masks cover. Empty for a text of more than kMaxSketchLines lines.
inline constexpr std::size_t kMaxSketchLines = 4096;
std::string LineSketch(std::string_view normalized_text);
// True when `text` has as many lines as the text `sketch` was made of, at least one line
// differs, and every line that differs is matched whole by one of `masks`: both texts are
// then equal under the masks, as far as lines tell. A recorded line is known by its hash only,
// so an edit of the stable words of a line whose volatile part also moved is taken for noise.
// False for an empty or malformed sketch, or when lines were added or removed.
bool DiffersOnlyInMaskedLines(std::string_view sketch, std::string_view text,
                              const std::vector<std::string>& masks);

}  // namespace freshd::watchers
