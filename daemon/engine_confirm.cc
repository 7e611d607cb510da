// Confirming a change before it is recorded (issue 10, section 3): a page whose text differs
// from its recorded one is probed first, as a new page is; what differed every time is
// volatile text (a clock, a request id) and is masked, so the check is recorded once, as
// unchanged when only volatile text moved, as a change otherwise (a real edit happens once).
#include <spdlog/spdlog.h>

#include <optional>

#include "daemon/engine_impl.h"
#include "watchers/normalize.h"
#include "watchers/volatility.h"

namespace freshd::daemon {
namespace {

// The store's value holding a document's line sketch: the content hash it was made for,
// then the sketch (watchers::LineSketch).
std::string SketchKey(const store::DocumentKey& key) {
  return "sketch/" + key.source + "\n" + key.uri;
}

constexpr std::size_t kHashLength = 32;  // watchers::ContentHash: 32 hex digits

// The sketch of the recorded text whose hash is `hash`; empty when none was kept for it.
std::string SketchFor(const store::StateStore& store, const store::DocumentKey& key,
                      const std::string& hash) {
  Result<std::string> value = store.GetValue(SketchKey(key));
  if (!value.ok() || value->size() < kHashLength || value->compare(0, kHashLength, hash) != 0) {
    return "";
  }
  return value->substr(kHashLength);
}

}  // namespace

bool Engine::Impl::MayHold() const {
  return probe_timers.size() < static_cast<std::size_t>(options.max_probes_waiting);
}

void Engine::Impl::ConfirmChange(const RunPtr& run, Recorded held) {
  // A confirmation takes up to two slow probes, minutes. A run of the whole source waits for
  // it (`freshd once` reports it); an adaptive run goes on, and the document is skipped by
  // the source's checks until it is recorded.
  confirming.insert(ConfirmingKey(held.key));
  if (run->waits_for_confirmations) {
    ++run->held;
  } else {
    run->result.confirming.push_back(held.key.uri);
  }
  std::string text = held.text;
  ProbeHeld(run, std::make_shared<Recorded>(std::move(held)), std::move(text), options.probe_delay,
            false);
}

void Engine::Impl::ProbeHeld(const RunPtr& run, std::shared_ptr<Recorded> held, std::string text,
                             std::chrono::milliseconds delay, bool slow_done) {
  const auto started = clock.MonotonicNow();
  ProbeVolatility(
      run->source, held->key, {std::move(text)}, delay,
      [this, run, held, started, slow_done](std::vector<std::string> probed) {
        const bool slow = slow_done || clock.MonotonicNow() - started >= options.slow_probe_delay;
        struct Step {
          Recorded recorded;
          std::optional<std::string> probe_again;
        };
        OnWorker(
            [this, held, probed = std::move(probed), slow,
             workload = run->source->config.workload] {
              std::optional<std::string> again;
              Recorded recorded = RecordConfirmed(workload, *held, probed, slow, &again);
              return Step{std::move(recorded), std::move(again)};
            },
            [this, run, held](Step step) {
              if (step.probe_again) {
                ProbeHeld(run, held, std::move(*step.probe_again), options.slow_probe_delay, true);
                return;
              }
              confirming.erase(ConfirmingKey(held->key));
              Account(*run->source, step.recorded, &run->result);
              if (run->waits_for_confirmations) {
                --run->held;
                PumpDocuments(run);
              }
            });
      });
}

Recorded Engine::Impl::RecordConfirmed(const std::string& workload, Recorded held,
                                       const std::vector<std::string>& texts, bool slow_done,
                                       std::optional<std::string>* probe_again) {
  held.held = false;
  const store::DocumentKey& key = held.key;
  Result<store::DocumentRecord> current = store.Get(key);
  if (current.ok() && !current->removed) {
    const std::vector<std::string> masks =
        watchers::ConfirmVolatileMasks(texts, current->volatile_masks);
    const bool learned = masks.size() > current->volatile_masks.size();
    // Whether the recorded text, under the masks, is this one: then its hash becomes this
    // text's masked hash, and the check below is unchanged. (A line that differs under a
    // mask known before is volatile too: the hash was recorded before that mask.)
    const std::string sketch = SketchFor(store, key, current->content_hash);
    const bool volatile_only = watchers::DiffersOnlyInMaskedLines(sketch, held.text, masks);
    std::size_t hidden = 0;
    std::string masked = watchers::ApplyMasks(held.text, masks, &hidden);
    if (learned && !volatile_only && !slow_done && !sketch.empty()) {
      *probe_again = watchers::ApplyMasks(texts.back(), masks, nullptr);
    }
    if (learned || volatile_only) {
      Status stored = store.SetVolatileMasks(key, masks, volatile_only ? current->content_hash : "",
                                             watchers::ContentHash(masked));
      if (!stored.ok() && !stored.IsNotFound()) {
        spdlog::error("cannot store volatile masks: {}", stored.ToString());
      } else if (stored.ok() && learned) {
        spdlog::info("source {}: {} volatile parts of {} masked from now on{}", key.source,
                     masks.size() - current->volatile_masks.size(), key.uri,
                     volatile_only ? "; only they had changed" : "");
      }
    }
    if (*probe_again) return held;  // recorded after the slower probes
    held.text = std::move(masked);
    held.masked += hidden;
    held.observation.content_hash = watchers::ContentHash(held.text);
  }
  held.result = RecordCheck(key, workload, held.observation, held.text);
  // Changed, or unchanged under a hash the masks may just have replaced.
  if (held.result.ok()) KeepSketch(key, held.observation.content_hash, held.text);
  return held;
}

void Engine::Impl::KeepSketch(const store::DocumentKey& key, const std::string& hash,
                              std::string_view text) {
  Status kept = store.PutValue(SketchKey(key), hash + watchers::LineSketch(text));
  if (!kept.ok()) spdlog::error("cannot store the line sketch of {}: {}", key.uri, kept.ToString());
}

}  // namespace freshd::daemon
