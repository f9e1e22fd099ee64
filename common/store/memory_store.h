#pragma once
// A KeyValueStore in memory with the durability of a disk: the deterministic
// simulation (tests/sim/) runs the ledger over it. Writes land in the "OS's
// buffers" first; a synced write or sync() makes them and every earlier one
// durable (the WAL is written in order). A killed process keeps what is
// buffered; a power cut (power_cut()) loses it, as RocksDB's WAL does.
// Thread safety: none (the simulation is one thread).

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/store/store.h"

namespace sluice {

// What outlives a crash of the process that writes it: one per simulated host.
class MemoryDisk {
 public:
  void put(const std::string& key, const std::string& value, Durability durability);
  void sync();
  // The machine loses power: what was not synced is gone.
  void power_cut();
  // What the process reads: durable and buffered writes.
  const std::map<std::string, std::string>& current() const { return current_; }
  // What a power cut now would leave.
  const std::map<std::string, std::string>& durable() const { return durable_; }
  // A planted bug for the simulation's own test: fsync returns without
  // making anything durable. Never set by the product.
  void set_fsync_lies(bool lies) { fsync_lies_ = lies; }

 private:
  std::map<std::string, std::string> current_;
  std::map<std::string, std::string> durable_;
  std::vector<std::pair<std::string, std::string>> buffered_;  // in write order
  bool fsync_lies_ = false;
};

class MemoryStore final : public KeyValueStore {
 public:
  explicit MemoryStore(std::shared_ptr<MemoryDisk> disk) : disk_(std::move(disk)) {}

  Status put(const std::string& key, const std::string& value,
             Durability durability = Durability::kSynced) override;
  Status sync() override;
  Status put_all(const std::vector<std::pair<std::string, std::string>>& pairs) override;
  Result<std::optional<std::string>> get(const std::string& key) override;
  Result<std::vector<std::pair<std::string, std::string>>> scan(const std::string& prefix) override;

 private:
  std::shared_ptr<MemoryDisk> disk_;
};

}  // namespace sluice
