#pragma once
// A small wrapper over RocksDB: ordered keys, synchronous writes (unless a
// caller says a write may be lost in a power cut), prefix scans. RocksDB's Status never crosses
// this API; errors become sluice Status. Thread safety: RocksDB's own (safe for concurrent use).

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/base/status.h"

namespace rocksdb {
class DB;
class WriteBatch;
}  // namespace rocksdb

namespace sluice {

// kSynced: the write is in the fsynced WAL when put returns. kBuffered: it
// may be lost in a power cut (Store: also when the process is killed: it
// waits in the process's batch), and the next synced write or sync() makes
// it durable with itself (writes are made durable in order).
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

// Buffered writes wait in one WriteBatch, which sync() or the next synced
// write applies with sync=true: one WAL write, one memtable pass and one
// fsync for a round of group commit. get() sees them; a scan(), or a batch
// over kPendingBytesMax, first applies them unsynced (still in order).
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
  // Applies the pending batch (and clears it); `synced`: with a WAL fsync.
  Status write_pending(bool synced);

  std::unique_ptr<rocksdb::DB> db_;
  std::unique_ptr<rocksdb::WriteBatch> pending_;                 // buffered writes, in order
  std::unordered_map<std::string, std::string> pending_values_;  // their last values, for get()
};

}  // namespace sluice
