// The job file's `join:` step: a second input joined by key through the
// exchange (docs/REFERENCE.md, "join").
#include "common/base/limits.h"
#include "common/job/job_file_reader.h"

namespace sluice {

Status read_join(const SpecReader& reader, const YAML::Node& body, const std::string& key,
                 JoinSpec& join) {
  SLUICE_RETURN_IF_ERROR(
      reader.only_keys(body, key, {"input", "on", "how", "columns", "broadcast_max"}));
  const YAML::Node input = body["input"];
  if (!input) return reader.error(body, key + ".input", "missing");
  SLUICE_RETURN_IF_ERROR(read_input(reader, input, join.input, key + ".input"));
  if (input["schema"]) {
    join.schema.emplace();
    SLUICE_RETURN_IF_ERROR(
        read_schema(reader, input["schema"], *join.schema, key + ".input.schema"));
  }

  const YAML::Node on = body["on"];
  if (!on) return reader.error(body, key + ".on", "missing");
  if (!on.IsMap() || on.size() == 0) {
    return reader.error(on, key + ".on",
                        "expected {left_column: right_column, …}, e.g. on: {Plate ID: plate}");
  }
  for (const auto& entry : on) {
    const std::string left = entry.first.as<std::string>();
    SLUICE_ASSIGN_OR_RETURN(std::string right, reader.scalar(entry.second, key + ".on." + left));
    join.left_keys.push_back(left);
    join.right_keys.push_back(right);
  }

  if (body["how"]) {
    SLUICE_ASSIGN_OR_RETURN(std::string how, reader.scalar(body["how"], key + ".how"));
    bool known = false;
    for (JoinHow candidate : {JoinHow::kInner, JoinHow::kLeft, JoinHow::kRight, JoinHow::kFull,
                              JoinHow::kSemi, JoinHow::kAnti}) {
      if (how == join_how_name(candidate)) {
        join.how = candidate;
        known = true;
      }
    }
    if (!known) {
      return reader.error(body["how"], key + ".how",
                          "expected inner, left, right, full, semi or anti, found '" + how + "'");
    }
  }

  // columns: [right_col, …] keeps them under their names; {name: right_col}
  // renames them (a name the rows already have is an error at check time).
  const YAML::Node columns = body["columns"];
  if (columns) {
    join.columns_given = true;
    if (columns.IsMap()) {
      for (const auto& entry : columns) {
        const std::string name = entry.first.as<std::string>();
        SLUICE_ASSIGN_OR_RETURN(std::string right,
                                reader.scalar(entry.second, key + ".columns." + name));
        join.columns.push_back(JoinColumn{name, right});
      }
    } else {
      SLUICE_ASSIGN_OR_RETURN(std::vector<std::string> names,
                              reader.strings(columns, key + ".columns"));
      for (const std::string& name : names) join.columns.push_back(JoinColumn{name, name});
    }
    if (join.how == JoinHow::kSemi || join.how == JoinHow::kAnti) {
      return reader.error(columns, key + ".columns",
                          "a semi or anti join keeps only the rows' own columns; remove columns");
    }
  }
  join.broadcast_max_bytes = limits::kLookupFileBytesMax;
  if (body["broadcast_max"]) {
    SLUICE_ASSIGN_OR_RETURN(join.broadcast_max_bytes,
                            reader.size(body["broadcast_max"], key + ".broadcast_max"));
    if (join.broadcast_max_bytes > limits::kLookupFileBytesMax) {
      return reader.error(body["broadcast_max"], key + ".broadcast_max",
                          "must be at most " + std::to_string(limits::kLookupFileBytesMax >> 20) +
                              " MiB (every worker holds a broadcast side in memory)");
    }
  }
  return Status::ok();
}

}  // namespace sluice
