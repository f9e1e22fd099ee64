#include "common/parquet/pushdown.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <memory>

#include "common/expr/ast.h"
#include "common/expr/datetime.h"
#include "common/expr/parser.h"
#include "common/spec/hive_keys.h"

namespace sluice::parquet {
namespace {

using expr::CompareOp;

// `column op text`.
struct Conjunct {
  std::string column;
  CompareOp op = CompareOp::kEq;
  std::string text;
};

CompareOp flipped(CompareOp op) {
  switch (op) {
    case CompareOp::kLt:
      return CompareOp::kGt;
    case CompareOp::kLe:
      return CompareOp::kGe;
    case CompareOp::kGt:
      return CompareOp::kLt;
    case CompareOp::kGe:
      return CompareOp::kLe;
    default:
      return op;
  }
}

// The conjuncts of `node` that have the pushed form (others are left out:
// dropping a conjunct of an AND only makes the predicate weaker).
void collect(const expr::Node& node, std::vector<Conjunct>& out) {
  if (node.kind == expr::NodeKind::kAnd) {
    for (const expr::NodePtr& child : node.children) collect(*child, out);
    return;
  }
  if (node.kind != expr::NodeKind::kCompare || node.children.size() != 2) return;
  const expr::Node& left = *node.children[0];
  const expr::Node& right = *node.children[1];
  auto is_text = [](const expr::Node& n) {
    return n.kind == expr::NodeKind::kLiteral && n.literal.type == expr::Type::kString;
  };
  if (left.kind == expr::NodeKind::kColumn && is_text(right)) {
    out.push_back({left.name, node.compare_op, right.literal.string_value});
  } else if (right.kind == expr::NodeKind::kColumn && is_text(left)) {
    out.push_back({right.name, flipped(node.compare_op), left.literal.string_value});
  }
}

// Whether no value in [low, high] satisfies `value op text`.
template <typename T>
bool refutes(CompareOp op, const T& low, const T& high, const T& text) {
  switch (op) {
    case CompareOp::kEq:
      return text < low || high < text;
    case CompareOp::kNe:
      return low == high && low == text;
    case CompareOp::kLt:
      return !(low < text);
    case CompareOp::kLe:
      return text < low;
    case CompareOp::kGt:
      return !(text < high);
    case CompareOp::kGe:
      return high < text;
  }
  return false;
}

int64_t integer_of(std::string_view bytes) {
  if (bytes.size() == 4) {
    int32_t value = 0;
    std::memcpy(&value, bytes.data(), 4);
    return value;
  }
  int64_t value = 0;
  std::memcpy(&value, bytes.data(), 8);
  return value;
}

bool refutes_chunk(const Conjunct& conjunct, const ColumnInfo& column, const ChunkInfo& chunk) {
  const ChunkStatistics& stats = chunk.statistics;
  if (!stats.has_min || !stats.has_max) return false;
  const bool may_hold_null = column.optional && stats.null_count != 0;
  if (column.kind == ValueKind::kBytes) {
    // A NULL is '' to an untyped column: the smallest string.
    const std::string low = may_hold_null ? std::string() : stats.min;
    return refutes<std::string_view>(conjunct.op, low, stats.max, conjunct.text);
  }
  if (conjunct.op != CompareOp::kEq) return false;
  const size_t width = column.physical == Physical::kInt32 ? 4 : 8;
  if ((column.physical != Physical::kInt32 && column.physical != Physical::kInt64) ||
      stats.min.size() != width || stats.max.size() != width) {
    return false;
  }
  // Only a value's exact text can equal it ('' from a NULL never does).
  int64_t value = 0;
  char canonical[40];
  size_t length = 0;
  if (column.kind == ValueKind::kSigned) {
    const auto parsed =
        std::from_chars(conjunct.text.data(), conjunct.text.data() + conjunct.text.size(), value);
    if (parsed.ec != std::errc() || parsed.ptr != conjunct.text.data() + conjunct.text.size())
      return false;
    length = static_cast<size_t>(std::to_chars(canonical, canonical + 40, value).ptr - canonical);
  } else if (column.kind == ValueKind::kDate) {
    const std::optional<int64_t> days = expr::parse_iso_date(conjunct.text);
    if (!days) return false;
    value = *days;
    length = expr::format_date(value, canonical);
  } else {
    return false;
  }
  if (std::string_view(canonical, length) != conjunct.text) return false;
  return refutes<int64_t>(CompareOp::kEq, integer_of(stats.min), integer_of(stats.max), value);
}

}  // namespace

namespace {

bool schema_types_only_hive_keys(const JobSpec& spec) {
  const std::vector<std::string> keys = hive_keys(spec.input);
  if (keys.empty()) return false;
  for (const ColumnRule& rule : spec.schema->columns) {
    if (std::find(keys.begin(), keys.end(), rule.name) == keys.end()) return false;
  }
  return true;
}

}  // namespace

RowGroupPredicate row_group_pruner(const JobSpec& spec) {
  // A schema whose rules are all a Hive partition key's type (pinned at
  // submission, common/job/hive_partitions.h) rejects no row of a file.
  if (spec.schema.has_value() && !schema_types_only_hive_keys(spec)) return {};
  auto conjuncts = std::make_shared<std::vector<Conjunct>>();
  for (const StepSpec& step : spec.steps) {
    if (step.kind != StepKind::kFilter) break;
    expr::ExprError error;
    expr::NodePtr tree = expr::parse_expression(step.expr, error);
    if (tree) collect(*tree, *conjuncts);
  }
  if (conjuncts->empty()) return {};
  return [conjuncts](const FileInfo& info, const RowGroupInfo& group) {
    for (const Conjunct& conjunct : *conjuncts) {
      for (size_t c = 0; c < info.columns.size(); ++c) {
        if (info.columns[c].name != conjunct.column) continue;
        if (refutes_chunk(conjunct, info.columns[c], group.chunks[c])) return true;
      }
    }
    return false;
  };
}

}  // namespace sluice::parquet
