// A bounded map that evicts the least recently used entry: the process
// table must not grow with the number of processes a long-running host has
// ever started.
#ifndef AUDISP_IMDS_PROCESS_LRU_MAP_H
#define AUDISP_IMDS_PROCESS_LRU_MAP_H

#include <algorithm>
#include <cstddef>
#include <list>
#include <unordered_map>
#include <utility>

namespace imds {

template <typename Key, typename Value, typename Hash = std::hash<Key>>
class LruMap {
 public:
  explicit LruMap(size_t capacity) : capacity_(std::max<size_t>(capacity, 1)) {}

  // The value, marked most recently used; nullptr when absent. The pointer
  // stays valid until the entry is replaced, erased or evicted.
  Value* Find(const Key& key) {
    auto it = index_.find(key);
    if (it == index_.end()) return nullptr;
    order_.splice(order_.begin(), order_, it->second);
    return &it->second->second;
  }

  // The value without changing its recency.
  const Value* Peek(const Key& key) const {
    auto it = index_.find(key);
    return it == index_.end() ? nullptr : &it->second->second;
  }

  // Inserts or replaces, as most recently used. Returns true when the least
  // recently used entry was evicted to make room.
  bool Put(const Key& key, Value value) {
    if (auto it = index_.find(key); it != index_.end()) {
      it->second->second = std::move(value);
      order_.splice(order_.begin(), order_, it->second);
      return false;
    }
    bool evicted = false;
    if (index_.size() >= capacity_) {
      index_.erase(order_.back().first);
      order_.pop_back();
      evicted = true;
    }
    order_.emplace_front(key, std::move(value));
    index_.emplace(key, order_.begin());
    return evicted;
  }

  size_t size() const { return index_.size(); }
  size_t capacity() const { return capacity_; }

 private:
  using Order = std::list<std::pair<Key, Value>>;
  size_t capacity_;
  Order order_;  // most recently used first
  std::unordered_map<Key, typename Order::iterator, Hash> index_;
};

}  // namespace imds

#endif  // AUDISP_IMDS_PROCESS_LRU_MAP_H
