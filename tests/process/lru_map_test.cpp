// LruMap: the flat open-addressing index and recency list against a plain
// reference model (std::list + std::map), including long probe runs (a
// hash that collides), growth of the index and eviction order.
#include "process/lru_map.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <iterator>
#include <list>
#include <map>
#include <random>
#include <string>
#include <utility>

namespace imds {
namespace {

// The straightforward LRU map LruMap must behave like.
class ReferenceLru {
 public:
  explicit ReferenceLru(size_t capacity) : capacity_(capacity) {}
  const std::string* Find(int key) {
    auto it = index_.find(key);
    if (it == index_.end()) return nullptr;
    order_.splice(order_.begin(), order_, it->second);
    return &it->second->second;
  }
  const std::string* Peek(int key) const {
    auto it = index_.find(key);
    return it == index_.end() ? nullptr : &it->second->second;
  }
  bool Put(int key, std::string value) {
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
    index_[key] = order_.begin();
    return evicted;
  }
  size_t size() const { return index_.size(); }

 private:
  size_t capacity_;
  std::list<std::pair<int, std::string>> order_;
  std::map<int, std::list<std::pair<int, std::string>>::iterator> index_;
};

struct CollidingHash {  // every key in one probe run
  size_t operator()(int) const { return 7; }
};
struct FewBucketsHash {  // long runs that overlap and wrap around
  size_t operator()(int key) const { return static_cast<size_t>(key % 3); }
};

template <typename Hash>
void RunAgainstReference(size_t capacity, int key_space, int operations, uint32_t seed) {
  LruMap<int, std::string, Hash> map(capacity);
  ReferenceLru reference(capacity);
  std::mt19937 random(seed);
  for (int i = 0; i < operations; ++i) {
    const int key = static_cast<int>(random() % static_cast<uint32_t>(key_space));
    switch (random() % 3) {
      case 0: {
        const std::string value = "v" + std::to_string(i);
        ASSERT_EQ(map.Put(key, value), reference.Put(key, value)) << "put " << key << " at step " << i;
        break;
      }
      case 1: {
        const std::string* got = map.Find(key);
        const std::string* want = reference.Find(key);
        ASSERT_EQ(got == nullptr, want == nullptr) << "find " << key << " at step " << i;
        if (got != nullptr) {
          ASSERT_EQ(*got, *want);
        }
        break;
      }
      default: {
        const std::string* got = map.Peek(key);
        const std::string* want = reference.Peek(key);
        ASSERT_EQ(got == nullptr, want == nullptr) << "peek " << key << " at step " << i;
        if (got != nullptr) {
          ASSERT_EQ(*got, *want);
        }
      }
    }
    ASSERT_EQ(map.size(), reference.size());
  }
  // Every key, present or not, agrees at the end.
  for (int key = 0; key < key_space; ++key) {
    const std::string* got = map.Peek(key);
    const std::string* want = reference.Peek(key);
    ASSERT_EQ(got == nullptr, want == nullptr) << key;
    if (got != nullptr) {
      EXPECT_EQ(*got, *want);
    }
  }
}

TEST(LruMapTest, BehavesLikeAPlainLruMapUnderRandomOperations) {
  for (size_t capacity : {1, 2, 3, 17, 100, 1500}) {
    RunAgainstReference<std::hash<int>>(capacity, static_cast<int>(capacity * 3 + 5), 40000, 1 + capacity);
  }
}

TEST(LruMapTest, CollidingHashesStillFindEveryKeyAfterEvictions) {
  RunAgainstReference<CollidingHash>(40, 120, 20000, 7);
  RunAgainstReference<FewBucketsHash>(200, 600, 40000, 8);
}

TEST(LruMapTest, EvictsTheLeastRecentlyUsedEntry) {
  LruMap<int, std::string> map(3);
  EXPECT_FALSE(map.Put(1, "a"));
  EXPECT_FALSE(map.Put(2, "b"));
  EXPECT_FALSE(map.Put(3, "c"));
  ASSERT_NE(map.Find(1), nullptr);  // 1 is now the most recent; 2 the least
  ASSERT_NE(map.Peek(2), nullptr);  // Peek does not refresh
  EXPECT_TRUE(map.Put(4, "d"));
  EXPECT_EQ(map.Peek(2), nullptr);
  EXPECT_NE(map.Peek(1), nullptr);
  EXPECT_NE(map.Peek(3), nullptr);
  EXPECT_EQ(map.size(), 3u);
}

TEST(LruMapTest, ReplacingAValueNeitherGrowsNorEvicts) {
  LruMap<int, std::string> map(2);
  map.Put(1, "a");
  map.Put(2, "b");
  EXPECT_FALSE(map.Put(1, "a2"));
  EXPECT_EQ(map.size(), 2u);
  EXPECT_EQ(*map.Peek(1), "a2");
  EXPECT_TRUE(map.Put(3, "c"));  // 2 was the least recently used
  EXPECT_EQ(map.Peek(2), nullptr);
}

TEST(LruMapTest, AFoundValueStaysPutWhileTheIndexGrows) {
  LruMap<int, std::string> map(100000);
  map.Put(-1, "kept");
  const std::string* kept = map.Find(-1);
  for (int key = 0; key < 50000; ++key) map.Put(key, std::to_string(key));
  EXPECT_EQ(map.Peek(-1), kept);
  EXPECT_EQ(*kept, "kept");
  for (int key = 0; key < 50000; key += 997) ASSERT_EQ(*map.Peek(key), std::to_string(key));
}

TEST(LruMapTest, ACapacityOfZeroHoldsOneEntry) {
  LruMap<int, std::string> map(0);
  EXPECT_EQ(map.capacity(), 1u);
  EXPECT_FALSE(map.Put(1, "a"));
  EXPECT_TRUE(map.Put(2, "b"));
  EXPECT_EQ(map.Peek(1), nullptr);
  EXPECT_EQ(*map.Peek(2), "b");
}

}  // namespace
}  // namespace imds
