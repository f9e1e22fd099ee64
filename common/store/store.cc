#include "common/store/store.h"

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

namespace sluice {
namespace {

Status from_rocksdb(const rocksdb::Status& status, const std::string& what) {
  if (status.ok()) return Status::ok();
  return io_error(what + ": " + status.ToString());
}

// Past this, buffered writes go to RocksDB unsynced (the memory of a batch
// stays bounded when a restart commits many partitions at once).
constexpr size_t kPendingBytesMax = 16 << 20;

}  // namespace

Store::Store(rocksdb::DB* db) : db_(db), pending_(std::make_unique<rocksdb::WriteBatch>()) {}

Store::~Store() {
  // A clean close keeps what was buffered (as a killed process would not).
  (void)write_pending(false);
}

Status Store::write_pending(bool synced) {
  if (pending_->Count() == 0) return Status::ok();
  rocksdb::WriteOptions options;
  options.sync = synced;
  SLUICE_RETURN_IF_ERROR(from_rocksdb(db_->Write(options, pending_.get()), "state write"));
  pending_->Clear();
  pending_values_.clear();
  return Status::ok();
}

Result<std::unique_ptr<Store>> Store::open(const std::string& directory) {
  rocksdb::Options options;
  options.create_if_missing = true;
  options.max_open_files = 64;
  options.keep_log_file_num = 2;
  options.write_buffer_size = 16 << 20;  // fewer flushes and compactions under a million partitions
  options.max_write_buffer_number = 2;
  rocksdb::DB* db = nullptr;
  rocksdb::Status status = rocksdb::DB::Open(options, directory, &db);
  if (!status.ok()) {
    return io_error("cannot open state in " + directory + ": " + status.ToString());
  }
  return std::unique_ptr<Store>(new Store(db));
}

Status Store::put(const std::string& key, const std::string& value, Durability durability) {
  SLUICE_RETURN_IF_ERROR(from_rocksdb(pending_->Put(key, value), "state write of " + key));
  if (durability == Durability::kSynced) return write_pending(true);
  pending_values_[key] = value;
  return pending_->GetDataSize() > kPendingBytesMax ? write_pending(false) : Status::ok();
}

Status Store::sync() { return write_pending(true); }

Status Store::put_all(const std::vector<std::pair<std::string, std::string>>& pairs) {
  for (const auto& [key, value] : pairs) {
    SLUICE_RETURN_IF_ERROR(from_rocksdb(pending_->Put(key, value), "state write of " + key));
  }
  return write_pending(true);  // with what was buffered before, in one batch
}

Result<std::optional<std::string>> Store::get(const std::string& key) {
  if (auto found = pending_values_.find(key); found != pending_values_.end()) {
    return std::optional<std::string>(found->second);
  }
  std::string value;
  rocksdb::Status status = db_->Get(rocksdb::ReadOptions(), key, &value);
  if (status.IsNotFound()) return std::optional<std::string>();
  SLUICE_RETURN_IF_ERROR(from_rocksdb(status, "state read of " + key));
  return std::optional<std::string>(std::move(value));
}

Result<std::vector<std::pair<std::string, std::string>>> Store::scan(const std::string& prefix) {
  SLUICE_RETURN_IF_ERROR(write_pending(false));  // the scan sees what was buffered
  std::vector<std::pair<std::string, std::string>> pairs;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    pairs.emplace_back(it->key().ToString(), it->value().ToString());
  }
  SLUICE_RETURN_IF_ERROR(from_rocksdb(it->status(), "state scan of " + prefix));
  return pairs;
}

}  // namespace sluice
