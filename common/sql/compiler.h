#pragma once
// Internal to the SQL front end: a parsed statement → the steps of a job
// file (docs/SQL.md, "How SQL maps to steps"). compiler.cc holds the driver,
// the row queries (no aggregate) and the join; compile_aggregate.cc the
// GROUP BY queries.

#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "common/expr/error.h"
#include "common/sql/ast.h"
#include "common/sql/rewrite.h"
#include "common/sql/sql.h"

namespace sluice::sql {

class Compiler {
 public:
  Compiler(const Statement& statement, CompiledSql& out, expr::ExprError& error)
      : s_(statement), q_(statement.select), out_(out), error_(error) {}

  bool run();

 private:
  // A select item's column in the result.
  struct OutputColumn {
    std::string name;
    bool plain = false;      // a column reference as it is
    std::string column;      // plain: the column it names
    bool aggregate = false;  // holds an aggregate call
    std::string key;         // expression_key, to match GROUP BY / ORDER BY
  };

  bool fail(size_t position, std::string message);
  void add_step(const std::string& clause, const char* kind, const YAML::Node& body);
  // The expression language's text of tokens [first, last).
  bool text_of(size_t first, size_t last, const char* clause, bool aggregates, std::string& text,
               bool* uses_right = nullptr);
  bool name_outputs();
  // ORDER BY k / a name / an expression → the index of the select item it
  // names, or none.
  std::optional<size_t> order_item(const OrderItem& item) const;
  // Splits tokens [first, last) at the ANDs at depth 0: the conjuncts.
  std::vector<SqlExpr> conjuncts(const SqlExpr& condition) const;

  bool compile_rows();
  bool compile_projection(const std::vector<std::string>& hidden);
  bool compile_sort_and_limit(bool after_aggregate);
  bool compile_join();
  // Inserts a `select` of the left columns the rest of the query reads
  // before the join step at `join_index` (`on`: the join's key pairs).
  void project_before_join(size_t join_index, const YAML::Node& on);
  bool compile_aggregate();
  bool compile_transform();  // compile_transform.cc
  bool compile_transform_order();

  const Statement& s_;
  const SelectStatement& q_;
  CompiledSql& out_;
  expr::ExprError& error_;
  RewriteContext context_;
  YAML::Node steps_{YAML::NodeType::Sequence};
  std::vector<OutputColumn> outputs_;  // parallel to q_.items
  std::vector<std::string> right_columns_;
  Aggregates aggregates_;
  bool has_star_ = false;
};

}  // namespace sluice::sql
