#pragma once
// Group-by aggregation with mergeable states, for the `aggregate` step.
//
// A worker folds the rows of its partition into an Aggregator (update), then
// writes the table's PARTIAL states as rows (write_partial). The coordinator
// reads every partition's partial rows back into one Aggregator
// (merge_partial) and finalizes it into typed columns (finalize). Partial
// rows are text, written as CSV, so every value is encoded to survive a CSV
// round trip where NULL is an empty field (see README.md, "Partial rows").
//
// Thread safety: none; one Aggregator per thread.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/batch.h"
#include "common/base/status.h"
#include "common/expr/types.h"
#include "common/expr/vector.h"

namespace sluice {

enum class AggregateKind : uint8_t { kCountStar, kCount, kSum, kMin, kMax, kAvg, kCountDistinct };

struct AggregateColumn {
  std::string name;
  AggregateKind kind = AggregateKind::kCountStar;
  expr::Type argument_type = expr::Type::kNull;  // kNull for count(*)
  expr::Type result_type = expr::Type::kInt64;
};

// Splits "sum(x)" into the function and its argument's text. `argument_offset`
// is where the argument starts in `text` (for carets). Returns false with
// `message`/`position` when `text` is not a single call of an aggregate
// function.
struct AggregateCall {
  AggregateKind kind = AggregateKind::kCountStar;
  std::string argument;  // empty for count(*)
  size_t argument_offset = 0;
};
bool parse_aggregate_call(std::string_view text, AggregateCall& call, std::string& message,
                          size_t& position);

// The result type of an aggregate over `argument_type`, or an error message.
bool aggregate_result_type(AggregateKind kind, expr::Type argument_type, expr::Type& result,
                           std::string& message);

struct AggregatePlan {
  std::vector<std::string> key_names;
  std::vector<expr::Type> key_types;
  std::vector<AggregateColumn> aggregates;
  // Keys (named as in `by`) then the states: one column per aggregate named
  // like it, except avg: "__sum_<name>", "__count_<name>".
  std::vector<std::string> partial_columns;

  void build_partial_columns();
};

// The longest partial row a reader must accept: keys and min/max values are
// each at most an input record (`input_record_bytes_max`, the job's
// max_record_size), count_distinct fields about kDistinctFieldBytesMax.
uint64_t partial_record_bytes_max(const AggregatePlan& plan, uint64_t input_record_bytes_max);

class Aggregator {
 public:
  explicit Aggregator(const AggregatePlan& plan);
  ~Aggregator();
  Aggregator(const Aggregator&) = delete;
  Aggregator& operator=(const Aggregator&) = delete;

  // Folds the rows in `selection`: keys[i] is the i-th group key's vector,
  // arguments[a] the a-th aggregate's argument (null for count(*)).
  void update(const std::vector<const expr::Vector*>& keys,
              const std::vector<const expr::Vector*>& arguments, const expr::Selection& selection);

  // Appends the partial rows (columns = plan.partial_columns) in the order
  // of the groups' key bytes. A group whose count_distinct set is larger than
  // kDistinctFieldBytesMax continues on the next rows (same key, neutral
  // states), so no field grows without bound.
  void write_partial(OutputBatch& out) const;
  // The same rows in the groups' order of arrival: for a map task, whose
  // partial rows are hash-partitioned and merged in any order (sorting
  // millions of keys there is wasted work).
  void write_partial_unordered(OutputBatch& out) const;
  // write_partial in pieces: the partial rows of groups order[begin, end),
  // `order` from sorted_groups(), so a large table is written a slice at a
  // time without its whole text in memory.
  void write_partial(const std::vector<size_t>& order, size_t begin, size_t end,
                     OutputBatch& out) const;

  // Merges partial rows (columns = plan.partial_columns, as read back from
  // CSV). Errors are kDataError naming the row's byte offset.
  Status merge_partial(const RecordBatch& batch);
  // merge_partial of rows [row_begin, row_end) of `batch` only.
  Status merge_partial_rows(const RecordBatch& batch, size_t row_begin, size_t row_end);
  // The encoded key (the groups' order, as sorted_groups compares them) of
  // every partial row of `batch`: row i's key is bytes[ends[i - 1], ends[i])
  // (from 0 for row 0). Replaces `bytes` and `ends`. Errors as merge_partial's.
  Status partial_keys(const RecordBatch& batch, std::string& bytes, std::vector<size_t>& ends);

  // One vector per key then per aggregate (plan order), one row per group in
  // the order of the groups' key bytes. String values view this Aggregator.
  void finalize(std::vector<expr::Vector>& columns) const;
  // finalize of groups order[begin, end) only, `order` from sorted_groups().
  void finalize(const std::vector<size_t>& order, size_t begin, size_t end,
                std::vector<expr::Vector>& columns) const;

  size_t group_count() const { return key_offsets_.size() - 1; }
  // The groups in the order of their encoded key bytes.
  std::vector<size_t> sorted_groups() const;

  // An estimate of the heap the table holds: its vectors' capacities plus
  // the values they own (key and min/max strings, count_distinct sets),
  // counted as they are added, so it costs nothing to ask per batch.
  size_t memory_bytes() const;
  // Drops every group and releases the memory (the table is as constructed).
  void clear();

  // A global aggregate (no `by`) over no rows still has its one row, as in
  // SQL: count 0, sum, avg, min and max NULL. Adds that group when there is
  // none; does nothing with `by` columns (no rows, no groups).
  void add_global_group_if_empty();

  static constexpr size_t kDistinctFieldBytesMax = 1 << 20;

  struct Scalar {
    bool valid = false;
    int64_t int_value = 0;  // bool, int64, date, timestamp
    double float_value = 0;
    std::string string_value;
  };
  struct State;
  class KeyEncoder;

 private:
  // One slot of the groups' hash table: the group and its key's hash, so a
  // probe compares one integer before it compares key bytes.
  struct Slot {
    uint64_t hash = 0;
    uint32_t group = kNoGroup;
  };
  static constexpr uint32_t kNoGroup = UINT32_MAX;
  // update() encodes, hashes and looks up this many rows a pass.
  static constexpr size_t kUpdateChunkRows = 256;

  std::string_view group_key(size_t group) const {
    return std::string_view(key_arena_.data() + key_offsets_[group],
                            key_offsets_[group + 1] - key_offsets_[group]);
  }
  // The group whose encoded key is `key_bytes` (hash `hash`), or kNoGroup.
  uint32_t find_group(std::string_view key_bytes, uint64_t hash) const;
  // Adds a group that find_group did not find, with neutral states; the
  // caller appends its key_values_.
  uint32_t add_group(std::string_view key_bytes, uint64_t hash);
  uint32_t find_or_add_group(std::string_view key_bytes, const std::vector<Scalar>& key_values);
  void grow_table();
  // Folds rows[i] into group groups[i]'s states, for i < row_count.
  void fold_rows(const uint32_t* rows, const uint32_t* groups, size_t row_count,
                 const std::vector<const expr::Vector*>& arguments);
  // Parses the keys of partial row `row` into row_keys_ and key_bytes_.
  Status parse_partial_key(const RecordBatch& batch, size_t row);
  // The heap a string holds beyond its inline buffer (0 when it is short).
  static size_t heap_bytes(const std::string& text) {
    // An empty string's capacity is its inline buffer's (not a constant
    // expression for clang with libstdc++).
    static const size_t inline_capacity = std::string().capacity();
    return text.capacity() > inline_capacity ? text.capacity() + 1 : 0;
  }
  // A count_distinct set's own allocation, and one item's node and bucket
  // (libstdc++: next pointer, the string, its cached hash; malloc's header).
  static constexpr size_t kDistinctSetBytes = 96;
  static constexpr size_t kDistinctItemBytes = 72;

  const AggregatePlan& plan_;
  bool count_star_only_ = false;  // every aggregate is count(*): no arguments to read
  // Open addressing with linear probing: a power-of-two number of slots, at
  // most half of them used (grow_table doubles it).
  std::vector<Slot> slots_;
  std::string key_arena_;            // the groups' encoded keys, one after another
  std::vector<size_t> key_offsets_;  // group g's key is [key_offsets_[g], key_offsets_[g + 1])
  std::vector<Scalar> key_values_;   // group * keys + key
  std::vector<State> states_;        // group * aggregates + aggregate
  // What the values above own on the heap (memory_bytes() adds the vectors).
  size_t value_heap_bytes_ = 0;

  // Scratch.
  std::string key_bytes_;
  std::unique_ptr<KeyEncoder> key_encoder_;
  std::vector<Scalar> row_keys_;
};

}  // namespace sluice
