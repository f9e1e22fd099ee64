#include "common/store/memory_store.h"

namespace sluice {

void MemoryDisk::put(const std::string& key, const std::string& value, Durability durability) {
  current_[key] = value;
  buffered_.emplace_back(key, value);
  if (durability == Durability::kSynced) sync();
}

void MemoryDisk::sync() {
  if (fsync_lies_) return;
  for (auto& [key, value] : buffered_) durable_[key] = std::move(value);
  buffered_.clear();
}

void MemoryDisk::power_cut() {
  current_ = durable_;
  buffered_.clear();
}

Status MemoryStore::put(const std::string& key, const std::string& value, Durability durability) {
  disk_->put(key, value, durability);
  return Status::ok();
}

Status MemoryStore::sync() {
  disk_->sync();
  return Status::ok();
}

Status MemoryStore::put_all(const std::vector<std::pair<std::string, std::string>>& pairs) {
  for (const auto& [key, value] : pairs) disk_->put(key, value, Durability::kBuffered);
  disk_->sync();  // one batch: durable together
  return Status::ok();
}

Result<std::optional<std::string>> MemoryStore::get(const std::string& key) {
  auto it = disk_->current().find(key);
  if (it == disk_->current().end()) return std::optional<std::string>();
  return std::optional<std::string>(it->second);
}

Result<std::vector<std::pair<std::string, std::string>>> MemoryStore::scan(
    const std::string& prefix) {
  std::vector<std::pair<std::string, std::string>> pairs;
  for (auto it = disk_->current().lower_bound(prefix);
       it != disk_->current().end() && it->first.starts_with(prefix); ++it) {
    pairs.push_back(*it);
  }
  return pairs;
}

}  // namespace sluice
