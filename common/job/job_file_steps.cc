// The job file's `steps:` entries: filter, derive, select, drop, aggregate,
// sort, limit, lookup and exec (join: job_file_join.cc).
#include "common/base/limits.h"
#include "common/job/job_file_reader.h"

namespace sluice {
namespace {

Result<std::vector<NamedExpr>> read_named_exprs(const SpecReader& reader, const YAML::Node& node,
                                                const std::string& key, bool list_allowed) {
  std::vector<NamedExpr> exprs;
  if (list_allowed && node.IsSequence()) {
    for (size_t i = 0; i < node.size(); ++i) {
      const std::string item_key = key + "[" + std::to_string(i) + "]";
      SLUICE_ASSIGN_OR_RETURN(std::string name, reader.scalar(node[i], item_key));
      std::string quoted = "\"";
      for (char c : name) {
        quoted += c;
        if (c == '"') quoted += '"';
      }
      quoted += '"';
      exprs.push_back(NamedExpr{name, quoted, reader.where(node[i], item_key)});
    }
    return exprs;
  }
  if (!node.IsMap()) {
    return reader.error(node, key,
                        list_allowed
                            ? "expected a list of columns or a mapping of name to expression"
                            : "expected a mapping of name to expression");
  }
  for (const auto& entry : node) {
    const std::string name = entry.first.as<std::string>();
    const std::string item_key = key + "." + name;
    SLUICE_ASSIGN_OR_RETURN(std::string expr, reader.scalar(entry.second, item_key));
    exprs.push_back(NamedExpr{name, expr, reader.where(entry.second, item_key)});
  }
  return exprs;
}

Status read_lookup(const SpecReader& reader, const YAML::Node& body, const std::string& key,
                   LookupSpec& lookup) {
  SLUICE_RETURN_IF_ERROR(reader.only_keys(body, key, {"path", "on", "columns", "duplicates"}));
  if (!body["path"]) return reader.error(body, key + ".path", "missing");
  SLUICE_ASSIGN_OR_RETURN(lookup.path, reader.scalar(body["path"], key + ".path"));
  if (lookup.path.empty()) return reader.error(body["path"], key + ".path", "empty");
  const YAML::Node on = body["on"];
  if (!on) return reader.error(body, key + ".on", "missing");
  if (!on.IsMap() || on.size() != 1) {
    return reader.error(on, key + ".on",
                        "expected one {column: lookup_column} pair, e.g. on: {state: code}");
  }
  lookup.left = on.begin()->first.as<std::string>();
  SLUICE_ASSIGN_OR_RETURN(lookup.right, reader.scalar(on.begin()->second, key + ".on"));
  if (!body["columns"]) return reader.error(body, key + ".columns", "missing");
  SLUICE_ASSIGN_OR_RETURN(lookup.columns, reader.strings(body["columns"], key + ".columns"));
  if (lookup.columns.empty()) return reader.error(body["columns"], key + ".columns", "empty");
  if (body["duplicates"]) {
    SLUICE_ASSIGN_OR_RETURN(std::string mode,
                            reader.scalar(body["duplicates"], key + ".duplicates"));
    if (mode != "error" && mode != "first") {
      return reader.error(body["duplicates"], key + ".duplicates",
                          "expected error or first, found '" + mode + "'");
    }
    lookup.first_duplicate_wins = mode == "first";
  }
  return Status::ok();
}

Status read_exec(const SpecReader& reader, const YAML::Node& body, const std::string& key,
                 ExecSpec& exec) {
  SLUICE_RETURN_IF_ERROR(
      reader.only_keys(body, key, {"command", "columns", "batch_rows", "timeout", "max_attempts"}));
  if (!body["command"]) return reader.error(body, key + ".command", "missing");
  SLUICE_ASSIGN_OR_RETURN(exec.command, reader.strings(body["command"], key + ".command"));
  if (exec.command.empty() || exec.command[0].empty())
    return reader.error(body["command"], key + ".command", "empty");
  if (body["columns"]) {
    SLUICE_ASSIGN_OR_RETURN(exec.columns, reader.strings(body["columns"], key + ".columns"));
    if (exec.columns.empty()) return reader.error(body["columns"], key + ".columns", "empty");
  }
  exec.batch_rows = limits::kExecBatchRowsDefault;
  if (body["batch_rows"]) {
    SLUICE_ASSIGN_OR_RETURN(double rows, reader.number(body["batch_rows"], key + ".batch_rows"));
    if (rows < 1 || rows > static_cast<double>(limits::kBatchRowsMax) ||
        rows != static_cast<uint32_t>(rows)) {
      return reader.error(
          body["batch_rows"], key + ".batch_rows",
          "must be a whole number between 1 and " + std::to_string(limits::kBatchRowsMax));
    }
    exec.batch_rows = static_cast<uint32_t>(rows);
  }
  exec.timeout_ms = limits::kExecTimeoutMsDefault;
  if (body["timeout"]) {
    SLUICE_ASSIGN_OR_RETURN(std::string text, reader.scalar(body["timeout"], key + ".timeout"));
    auto parsed = parse_duration_ms(text);
    if (!parsed.is_ok())
      return reader.error(body["timeout"], key + ".timeout", parsed.status().message());
    if (parsed.value() <= 0)
      return reader.error(body["timeout"], key + ".timeout", "must be positive");
    exec.timeout_ms = parsed.value();
  }
  exec.max_attempts = limits::kExecAttemptsDefault;
  if (body["max_attempts"]) {
    SLUICE_ASSIGN_OR_RETURN(double attempts,
                            reader.number(body["max_attempts"], key + ".max_attempts"));
    if (attempts < 1 || attempts > 10 || attempts != static_cast<uint32_t>(attempts)) {
      return reader.error(body["max_attempts"], key + ".max_attempts",
                          "must be a whole number between 1 and 10");
    }
    exec.max_attempts = static_cast<uint32_t>(attempts);
  }
  return Status::ok();
}

}  // namespace

Status read_step(const SpecReader& reader, const YAML::Node& node, size_t index, StepSpec& step) {
  const std::string key = "steps[" + std::to_string(index) + "]";
  if (!node.IsMap() || node.size() != 1) {
    return reader.error(node, key,
                        "a step is a mapping with one key: filter, derive, select, drop, "
                        "aggregate, distinct, sort, limit, lookup, exec or join");
  }
  const auto entry = *node.begin();
  const std::string kind = entry.first.as<std::string>();
  const YAML::Node body = entry.second;
  const std::string body_key = key + "." + kind;
  step.where = reader.where(body, body_key);
  if (kind == "filter") {
    step.kind = StepKind::kFilter;
    SLUICE_ASSIGN_OR_RETURN(step.expr, reader.scalar(body, body_key));
  } else if (kind == "derive") {
    step.kind = StepKind::kDerive;
    SLUICE_ASSIGN_OR_RETURN(step.exprs, read_named_exprs(reader, body, body_key, false));
  } else if (kind == "select") {
    step.kind = StepKind::kSelect;
    SLUICE_ASSIGN_OR_RETURN(step.exprs, read_named_exprs(reader, body, body_key, true));
  } else if (kind == "drop") {
    step.kind = StepKind::kDrop;
    SLUICE_ASSIGN_OR_RETURN(step.columns, reader.strings(body, body_key));
  } else if (kind == "aggregate") {
    step.kind = StepKind::kAggregate;
    SLUICE_RETURN_IF_ERROR(reader.only_keys(body, body_key, {"by", "aggs"}));
    if (body["by"]) {
      SLUICE_ASSIGN_OR_RETURN(step.aggregate.by, reader.strings(body["by"], body_key + ".by"));
    }
    if (!body["aggs"]) return reader.error(body, body_key + ".aggs", "missing");
    SLUICE_ASSIGN_OR_RETURN(step.aggregate.aggs,
                            read_named_exprs(reader, body["aggs"], body_key + ".aggs", false));
  } else if (kind == "distinct") {
    // The unique rows of these columns (all columns when empty), as SQL's
    // SELECT DISTINCT: a group-by with no aggregates, through the exchange.
    step.kind = StepKind::kAggregate;
    step.aggregate.distinct = true;
    if (!body.IsNull()) {
      SLUICE_ASSIGN_OR_RETURN(step.aggregate.by, reader.strings(body, body_key));
    }
    step.aggregate.distinct_all = step.aggregate.by.empty();
  } else if (kind == "sort") {
    step.kind = StepKind::kSort;
    if (!body.IsSequence())
      return reader.error(body, body_key, "expected a list of {column: asc|desc}");
    for (size_t i = 0; i < body.size(); ++i) {
      const std::string item_key = body_key + "[" + std::to_string(i) + "]";
      const YAML::Node item = body[i];
      SortKey sort_key;
      if (item.IsScalar()) {
        sort_key.column = item.Scalar();
      } else if (item.IsMap() && item.size() == 1) {
        sort_key.column = item.begin()->first.as<std::string>();
        SLUICE_ASSIGN_OR_RETURN(std::string order, reader.scalar(item.begin()->second, item_key));
        if (order != "asc" && order != "desc")
          return reader.error(item, item_key, "expected asc or desc");
        sort_key.descending = order == "desc";
      } else {
        return reader.error(item, item_key, "expected {column: asc|desc}");
      }
      step.sort.push_back(sort_key);
    }
  } else if (kind == "limit") {
    step.kind = StepKind::kLimit;
    SLUICE_ASSIGN_OR_RETURN(double rows, reader.number(body, body_key));
    if (rows < 0 || rows > static_cast<double>(limits::kLimitRowsMax) ||
        rows != static_cast<double>(static_cast<uint64_t>(rows))) {
      return reader.error(
          body, body_key,
          "must be a whole number between 0 and " + std::to_string(limits::kLimitRowsMax));
    }
    step.limit = static_cast<uint64_t>(rows);
  } else if (kind == "lookup") {
    step.kind = StepKind::kLookup;
    SLUICE_RETURN_IF_ERROR(read_lookup(reader, body, body_key, step.lookup));
  } else if (kind == "exec") {
    step.kind = StepKind::kExec;
    SLUICE_RETURN_IF_ERROR(read_exec(reader, body, body_key, step.exec));
  } else if (kind == "join") {
    step.kind = StepKind::kJoin;
    step.join = std::make_shared<JoinSpec>();
    SLUICE_RETURN_IF_ERROR(read_join(reader, body, body_key, *step.join));
  } else {
    return reader.error(entry.first, key, "unknown step '" + kind + "'");
  }
  return Status::ok();
}

}  // namespace sluice
