// Tensor handles: JavaScript holds a number, C++ holds the at::Tensor in a slot table.
// A handle encodes (slot, generation) so a disposed or recycled slot is detected instead of crashing.
#pragma once

#include <ATen/ATen.h>
#include <napi.h>

#include <cmath>
#include <cstdint>
#include <vector>

namespace tsyolo {

class HandleTable {
 public:
  double Store(at::Tensor t) {
    uint32_t slot;
    if (!free_.empty()) {
      slot = free_.back();
      free_.pop_back();
    } else {
      slot = static_cast<uint32_t>(slots_.size());
      slots_.push_back(Slot{});
    }
    Slot& s = slots_[slot];
    s.tensor = std::move(t);
    s.live = true;
    ++live_;
    return static_cast<double>(s.generation) * kSlotSpan + slot;
  }

  // nullptr when the handle is stale (disposed) or was never issued.
  at::Tensor* Find(double handle) {
    // Only whole numbers below 2^53 can be handles we issued (rejects NaN, fractions, huge values).
    if (!(handle >= 0 && handle < 9007199254740992.0) || handle != std::floor(handle)) return nullptr;
    uint64_t h = static_cast<uint64_t>(handle);
    uint32_t slot = static_cast<uint32_t>(h % kSlotSpan);
    uint64_t generation = h / kSlotSpan;
    if (slot >= slots_.size()) return nullptr;
    Slot& s = slots_[slot];
    if (!s.live || s.generation != generation) return nullptr;
    return &s.tensor;
  }

  bool Release(double handle) {
    at::Tensor* t = Find(handle);
    if (t == nullptr) return false;
    uint32_t slot = static_cast<uint32_t>(static_cast<uint64_t>(handle) % kSlotSpan);
    Slot& s = slots_[slot];
    s.tensor = at::Tensor();
    s.live = false;
    s.generation = (s.generation + 1) & kGenerationMask;  // keeps handles exact in a double
    free_.push_back(slot);
    --live_;
    return true;
  }

  size_t live() const { return live_; }

 private:
  static constexpr uint64_t kSlotSpan = 1ull << 24;
  static constexpr uint64_t kGenerationMask = (1ull << 29) - 1;
  struct Slot {
    at::Tensor tensor;
    uint64_t generation = 0;
    bool live = false;
  };
  std::vector<Slot> slots_;
  std::vector<uint32_t> free_;
  size_t live_ = 0;
};

}  // namespace tsyolo
