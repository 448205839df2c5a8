#pragma once

// LruCache: a map of at most `capacity` entries that forgets the least
// recently used one when full, so a cache fed by outside input (package
// names, host ids) cannot grow without bound.
//
// Thread safety: none; the owner serialises calls.

#include <cstddef>
#include <list>
#include <unordered_map>
#include <utility>

namespace mamori {

template <typename Key, typename Value>
class LruCache {
 public:
  // `capacity` of at least 1.
  explicit LruCache(size_t capacity) : capacity_(capacity < 1 ? 1 : capacity) {}

  // The value of `key`, now the most recently used; nullptr when absent.
  // Valid until the next Put, Erase or Clear.
  Value* Find(const Key& key) {
    auto it = index_.find(key);
    if (it == index_.end()) return nullptr;
    order_.splice(order_.begin(), order_, it->second);
    return &it->second->second;
  }

  // Sets `key` to `value` (most recently used), forgetting the least
  // recently used entry when the cache is over capacity.
  void Put(const Key& key, Value value) {
    if (Value* existing = Find(key)) {
      *existing = std::move(value);
      return;
    }
    order_.emplace_front(key, std::move(value));
    index_.emplace(key, order_.begin());
    if (order_.size() > capacity_) {
      index_.erase(order_.back().first);
      order_.pop_back();
    }
  }

  void Erase(const Key& key) {
    auto it = index_.find(key);
    if (it == index_.end()) return;
    order_.erase(it->second);
    index_.erase(it);
  }

  void Clear() {
    index_.clear();
    order_.clear();
  }

  size_t size() const { return order_.size(); }
  size_t capacity() const { return capacity_; }

 private:
  using Entry = std::pair<Key, Value>;
  const size_t capacity_;
  std::list<Entry> order_;  // most recently used first
  std::unordered_map<Key, typename std::list<Entry>::iterator> index_;
};

}  // namespace mamori
