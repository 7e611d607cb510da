// Confirming a change before it is recorded (issue 10, section 3): a page whose text differs
// from its recorded one is probed first, as a new page is; what differed every time is
// volatile text (a clock, a request id) and is masked, so the check is recorded once, as
// unchanged when only volatile text moved, as a change otherwise (a real edit happens once).
#include <spdlog/spdlog.h>

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

// The masks of `masks` that `known` does not hold.
std::vector<std::string> NewMasks(const std::vector<std::string>& masks,
                                  const std::vector<std::string>& known) {
  return {masks.begin() + static_cast<std::ptrdiff_t>(known.size()), masks.end()};
}

}  // namespace

bool Engine::Impl::MayHold() const {
  return probe_timers.size() < static_cast<std::size_t>(options.max_probes_waiting);
}

void Engine::Impl::ConfirmChange(const RunPtr& run, Recorded held) {
  ++run->held;
  store::DocumentKey key = held.key;
  std::vector<std::string> texts{held.text};
  ProbeVolatility(run->source, std::move(key), std::move(texts), options.probe_delay,
                  [this, run, held = std::make_shared<Recorded>(std::move(held))](
                      std::vector<std::string> probed) {
                    OnWorker(
                        [this, held, probed = std::move(probed),
                         workload = run->source->config.workload]() mutable {
                          return RecordConfirmed(workload, std::move(*held), probed);
                        },
                        [this, run](Recorded recorded) {
                          Account(*run->source, recorded, &run->result);
                          --run->held;
                          PumpDocuments(run);
                        });
                  });
}

Recorded Engine::Impl::RecordConfirmed(const std::string& workload, Recorded held,
                                       const std::vector<std::string>& texts) {
  held.held = false;
  const store::DocumentKey& key = held.key;
  Result<store::DocumentRecord> current = store.Get(key);
  if (current.ok() && !current->removed) {
    const std::vector<std::string> masks =
        watchers::ConfirmVolatileMasks(texts, current->volatile_masks);
    if (masks.size() > current->volatile_masks.size()) {
      const std::vector<std::string> learned = NewMasks(masks, current->volatile_masks);
      // Whether the recorded text, under the new masks, is this one: then its hash becomes
      // this text's masked hash, and the check below is unchanged.
      const bool volatile_only = watchers::DiffersOnlyInMaskedLines(
          SketchFor(store, key, current->content_hash), held.text, learned);
      std::size_t hidden = 0;
      held.text = watchers::ApplyMasks(held.text, masks, &hidden);
      held.masked += hidden;
      held.observation.content_hash = watchers::ContentHash(held.text);
      Status stored = store.SetVolatileMasks(key, masks, volatile_only ? current->content_hash : "",
                                             held.observation.content_hash);
      if (stored.ok()) {
        spdlog::info("source {}: {} volatile parts of {} masked from now on{}", key.source,
                     learned.size(), key.uri, volatile_only ? "; only they had changed" : "");
      } else if (!stored.IsNotFound()) {
        spdlog::error("cannot store volatile masks: {}", stored.ToString());
      }
    }
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
