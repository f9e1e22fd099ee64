#pragma once
// A small wrapper over RocksDB: ordered keys, synchronous writes (unless a
// caller says a write may be lost in a power cut), prefix scans. RocksDB's Status never crosses
// this API; errors become sluice Status. Thread safety: RocksDB's own (safe for concurrent use).

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/base/status.h"

namespace rocksdb {
class DB;
}

namespace sluice {

// kSynced: the write is in the fsynced WAL when put returns. kBuffered: it
// is in the WAL in the OS's buffers — it survives the process being killed
// but not a power cut, and the next synced write makes it durable with
// itself (the WAL is written in order).
enum class Durability { kSynced, kBuffered };

// Ordered keys with durable and buffered writes: Store (RocksDB) in the
// product, MemoryStore (memory_store.h) in the simulation (tests/sim/).
class KeyValueStore {
 public:
  virtual ~KeyValueStore() = default;
  virtual Status put(const std::string& key, const std::string& value,
                     Durability durability = Durability::kSynced) = 0;
  // Makes every buffered write so far durable (one fsync of the WAL).
  virtual Status sync() = 0;
  // Writes all pairs atomically and durably.
  virtual Status put_all(const std::vector<std::pair<std::string, std::string>>& pairs) = 0;
  virtual Result<std::optional<std::string>> get(const std::string& key) = 0;
  // Every pair whose key starts with `prefix`, in key order.
  virtual Result<std::vector<std::pair<std::string, std::string>>> scan(
      const std::string& prefix) = 0;
};

class Store final : public KeyValueStore {
 public:
  // Opens (creating if missing) the database in `directory`.
  static Result<std::unique_ptr<Store>> open(const std::string& directory);
  ~Store() override;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  Status put(const std::string& key, const std::string& value,
             Durability durability = Durability::kSynced) override;
  Status sync() override;
  Status put_all(const std::vector<std::pair<std::string, std::string>>& pairs) override;
  Result<std::optional<std::string>> get(const std::string& key) override;
  Result<std::vector<std::pair<std::string, std::string>>> scan(const std::string& prefix) override;

 private:
  explicit Store(rocksdb::DB* db);
  std::unique_ptr<rocksdb::DB> db_;
};

}  // namespace sluice
