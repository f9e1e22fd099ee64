#pragma once
// Typed column vectors: what expressions read and produce, one batch at a
// time. A vector has one slot per row of the batch; only the rows in the
// current Selection are computed, the others hold stale values.
//
// Storage by type: bool, int64, date, timestamp in `ints`; float64 in
// `doubles`; string in `strings` (views into the input batch, an expression's
// literal, or a StringArena). `valid[row]` is 0 for NULL.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "common/expr/types.h"

namespace sluice::expr {

// Row indices (into the batch) still alive, ascending.
using Selection = std::vector<uint32_t>;

struct Vector {
  Type type = Type::kNull;
  std::vector<std::string_view> strings;
  std::vector<int64_t> ints;
  std::vector<double> doubles;
  std::vector<uint8_t> valid;

  // Sizes the storage `type` needs to `rows`; keeps capacity across batches.
  void reset(Type new_type, size_t rows) {
    type = new_type;
    valid.resize(rows);
    if (type == Type::kString) strings.resize(rows);
    if (stored_as_int(type)) ints.resize(rows);
    if (type == Type::kFloat64) doubles.resize(rows);
  }
  bool is_null(size_t row) const { return valid[row] == 0; }
};

// Bump allocator for computed strings. Its chunks live in a caller-owned deque
// (for the pipeline, OutputBatch::owned), so views stay valid exactly as long
// as that deque's contents do. Not thread-safe.
class StringArena {
 public:
  explicit StringArena(std::deque<std::string>* storage) : storage_(storage) {}

  // Returns `size` writable bytes; finish with commit(). Valid until the next
  // allocate().
  char* allocate(size_t size);
  std::string_view commit(size_t size);
  std::string_view copy(std::string_view text);
  // Starts a new chunk on the next allocation (call after the storage was cleared).
  void rebind(std::deque<std::string>* storage) {
    storage_ = storage;
    chunk_ = nullptr;
  }

 private:
  static constexpr size_t kChunkBytes = 64 << 10;
  std::deque<std::string>* storage_;
  std::string* chunk_ = nullptr;
  size_t pending_ = 0;  // offset in chunk_ where the last allocate() began
};

}  // namespace sluice::expr
