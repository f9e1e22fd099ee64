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

rocksdb::WriteOptions write_options(Durability durability) {
  rocksdb::WriteOptions options;
  options.sync = durability == Durability::kSynced;
  return options;
}

}  // namespace

Store::Store(rocksdb::DB* db) : db_(db) {}
Store::~Store() = default;

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
  return from_rocksdb(db_->Put(write_options(durability), key, value), "state write of " + key);
}

Status Store::sync() { return from_rocksdb(db_->SyncWAL(), "state sync"); }

Status Store::put_all(const std::vector<std::pair<std::string, std::string>>& pairs) {
  rocksdb::WriteBatch batch;
  for (const auto& [key, value] : pairs) batch.Put(key, value);
  return from_rocksdb(db_->Write(write_options(Durability::kSynced), &batch), "state batch write");
}

Result<std::optional<std::string>> Store::get(const std::string& key) {
  std::string value;
  rocksdb::Status status = db_->Get(rocksdb::ReadOptions(), key, &value);
  if (status.IsNotFound()) return std::optional<std::string>();
  SLUICE_RETURN_IF_ERROR(from_rocksdb(status, "state read of " + key));
  return std::optional<std::string>(std::move(value));
}

Result<std::vector<std::pair<std::string, std::string>>> Store::scan(const std::string& prefix) {
  std::vector<std::pair<std::string, std::string>> pairs;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    pairs.emplace_back(it->key().ToString(), it->value().ToString());
  }
  SLUICE_RETURN_IF_ERROR(from_rocksdb(it->status(), "state scan of " + prefix));
  return pairs;
}

}  // namespace sluice
