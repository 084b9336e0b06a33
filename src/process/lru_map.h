// A bounded map that evicts the least recently used entry: the process
// table must not grow with the number of processes a long-running host has
// ever started.
//
// Flat, because the process table is looked up for nearly every event and
// mostly misses (pids churn through a 4M space): a node-based hash map and
// list cost a malloc and a free per new entry and a chain of cache misses
// per lookup (13% of the plugin's CPU in the profile, docs/performance.md).
// Here the index is an open-addressing table of 8-byte slots (a 32-bit hash
// and a node number; linear probing, at most half full, removal by
// backward shift, so no tombstones), and the entries live in blocks of
// nodes linked into a recency list by number. A miss reads one or two
// slots and no node; an eviction reuses the evicted node in place.
#ifndef AUDISP_IMDS_PROCESS_LRU_MAP_H
#define AUDISP_IMDS_PROCESS_LRU_MAP_H

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

namespace imds {

template <typename Key, typename Value, typename Hash = std::hash<Key>>
class LruMap {
 public:
  // At most 2^30 entries (slots and nodes are numbered with 32 bits).
  explicit LruMap(size_t capacity)
      : capacity_(std::clamp<size_t>(capacity, 1, size_t{1} << 30)), slots_(kInitialSlots) {}

  // The value, marked most recently used; nullptr when absent. The pointer
  // stays valid until the entry is replaced, or evicted (its node is reused).
  Value* Find(const Key& key) {
    const uint32_t at = Lookup(key, HashOf(key));
    if (at == kNone) return nullptr;
    const uint32_t n = slots_[at].node;
    MoveToFront(n);
    return &NodeAt(n).value;
  }

  // The value without changing its recency.
  const Value* Peek(const Key& key) const {
    const uint32_t at = Lookup(key, HashOf(key));
    return at == kNone ? nullptr : &NodeAt(slots_[at].node).value;
  }

  // Inserts or replaces, as most recently used. Returns true when the least
  // recently used entry was evicted to make room.
  bool Put(const Key& key, Value value) {
    const uint32_t hash = HashOf(key);
    if (const uint32_t at = Lookup(key, hash); at != kNone) {
      const uint32_t n = slots_[at].node;
      NodeAt(n).value = std::move(value);
      MoveToFront(n);
      return false;
    }
    uint32_t n;
    bool evicted = false;
    if (size_ == capacity_) {
      n = tail_;  // the least recently used node takes the new entry
      RemoveSlot(FindSlotOfNode(n));
      Unlink(n);
      evicted = true;
    } else {
      if ((size_ + 1) * 2 > slots_.size()) Grow();
      n = static_cast<uint32_t>(size_++);
      if ((n & kBlockMask) == 0) blocks_.push_back(std::make_unique<Node[]>(kBlockSize));
    }
    Node& node = NodeAt(n);
    node.key = key;
    node.value = std::move(value);
    node.hash = hash;
    PushFront(n);
    InsertSlot(hash, n);
    return evicted;
  }

  size_t size() const { return size_; }
  size_t capacity() const { return capacity_; }

 private:
  static constexpr uint32_t kNone = UINT32_MAX;
  static constexpr size_t kInitialSlots = 16;  // a power of two
  static constexpr size_t kBlockBits = 10;
  static constexpr size_t kBlockSize = size_t{1} << kBlockBits;
  static constexpr size_t kBlockMask = kBlockSize - 1;

  struct Node {
    Key key{};
    Value value{};
    uint32_t prev = kNone;  // more recently used
    uint32_t next = kNone;  // less recently used
    uint32_t hash = 0;
  };
  struct Slot {
    uint32_t hash = 0;
    uint32_t node = kNone;  // kNone: empty
  };

  // The caller's hash mixed (murmur3's finaliser): the index takes its low
  // bits, and std::hash of an integer is the integer itself.
  static uint32_t HashOf(const Key& key) {
    uint64_t h = static_cast<uint64_t>(Hash()(key));
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return static_cast<uint32_t>(h);
  }

  Node& NodeAt(uint32_t n) { return blocks_[n >> kBlockBits][n & kBlockMask]; }
  const Node& NodeAt(uint32_t n) const { return blocks_[n >> kBlockBits][n & kBlockMask]; }
  size_t Mask() const { return slots_.size() - 1; }

  // The slot holding `key`, or kNone.
  uint32_t Lookup(const Key& key, uint32_t hash) const {
    for (size_t i = hash & Mask();; i = (i + 1) & Mask()) {
      const Slot& slot = slots_[i];
      if (slot.node == kNone) return kNone;
      if (slot.hash == hash && NodeAt(slot.node).key == key) return static_cast<uint32_t>(i);
    }
  }

  size_t FindSlotOfNode(uint32_t n) const {
    for (size_t i = NodeAt(n).hash & Mask();; i = (i + 1) & Mask()) {
      if (slots_[i].node == n) return i;
    }
  }

  void InsertSlot(uint32_t hash, uint32_t n) {
    size_t i = hash & Mask();
    while (slots_[i].node != kNone) i = (i + 1) & Mask();
    slots_[i] = Slot{hash, n};
  }

  // Backward-shift removal: every later slot of the probe run that may
  // move closer to its home moves into the hole, so lookups never need
  // tombstones.
  void RemoveSlot(size_t hole) {
    for (size_t j = (hole + 1) & Mask(); slots_[j].node != kNone; j = (j + 1) & Mask()) {
      const size_t home = slots_[j].hash & Mask();
      // The entry at j stays when its home lies cyclically in (hole, j].
      const bool stays = hole < j ? (home > hole && home <= j) : (home > hole || home <= j);
      if (!stays) {
        slots_[hole] = slots_[j];
        hole = j;
      }
    }
    slots_[hole] = Slot{};
  }

  void Grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(old.size() * 2, Slot{});
    for (const Slot& slot : old) {
      if (slot.node != kNone) InsertSlot(slot.hash, slot.node);
    }
  }

  void Unlink(uint32_t n) {
    Node& node = NodeAt(n);
    if (node.prev != kNone) NodeAt(node.prev).next = node.next; else head_ = node.next;
    if (node.next != kNone) NodeAt(node.next).prev = node.prev; else tail_ = node.prev;
    node.prev = node.next = kNone;
  }

  void PushFront(uint32_t n) {
    Node& node = NodeAt(n);
    node.prev = kNone;
    node.next = head_;
    if (head_ != kNone) NodeAt(head_).prev = n; else tail_ = n;
    head_ = n;
  }

  void MoveToFront(uint32_t n) {
    if (head_ == n) return;
    Unlink(n);
    PushFront(n);
  }

  size_t capacity_;
  size_t size_ = 0;
  std::vector<Slot> slots_;                     // a power of two, at most half full
  std::vector<std::unique_ptr<Node[]>> blocks_;  // node n: blocks_[n / kBlockSize][n % kBlockSize]
  uint32_t head_ = kNone;                        // most recently used
  uint32_t tail_ = kNone;                        // least recently used
};

}  // namespace imds

#endif  // AUDISP_IMDS_PROCESS_LRU_MAP_H
