// `sluice explain JOB.yaml | --sql "…"`: the plan the coordinator would
// make — inputs and partitions, the columns read, each step and where it
// runs, the stages and exchanges, the output layout — from the job file and
// the inputs' sizes and headers alone: nothing runs, no process starts.
// Counts known only at run time (the bucket tasks of an exchange) are said
// to be so.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "common/base/limits.h"
#include "common/exchange/exchange.h"
#include "common/exchange/join_plan.h"
#include "common/job/check.h"
#include "common/job/hive_partitions.h"
#include "common/job/hive_prune.h"
#include "common/pipeline/pipeline.h"
#include "coordinator/planner.h"
#include "tools/cli/commands.h"
#include "tools/cli/sql_job.h"

namespace sluice {
namespace {

// The output path of a SELECT without --out: a table on the terminal.
constexpr const char* kTerminal = "(the terminal)";

std::string bytes_text(uint64_t bytes) {
  if (bytes < 1024) return fmt::format("{} B", bytes);
  if (bytes < (1ull << 20)) return fmt::format("{:.1f} KiB", bytes / 1024.0);
  if (bytes < (1ull << 30)) return fmt::format("{:.1f} MiB", bytes / 1048576.0);
  return fmt::format("{:.2f} GiB", bytes / 1073741824.0);
}

// "a", "b", … (at most 12 names, then how many more).
std::string quoted_list(const std::vector<std::string>& names) {
  constexpr size_t kNamesShown = 12;
  std::vector<std::string> quoted;
  for (const std::string& name : names) {
    if (quoted.size() == kNamesShown) {
      quoted.push_back(fmt::format("… ({} more)", names.size() - kNamesShown));
      break;
    }
    quoted.push_back("\"" + name + "\"");
  }
  return fmt::format("{}", fmt::join(quoted, ", "));
}

const char* format_name(InputFormat format) {
  switch (format) {
    case InputFormat::kCsv:
      return "csv";
    case InputFormat::kJsonl:
      return "jsonl";
    case InputFormat::kPostgres:
      return "postgres";
    case InputFormat::kParquet:
      return "parquet";
  }
  return "?";
}

const char* format_name(OutputFormat format) {
  switch (format) {
    case OutputFormat::kCsv:
      return "csv";
    case OutputFormat::kJsonl:
      return "jsonl";
    case OutputFormat::kParquet:
      return "parquet";
  }
  return "?";
}

const char* compression_name(Compression compression) {
  switch (compression) {
    case Compression::kNone:
      return "none";
    case Compression::kGzip:
      return "gzip";
    case Compression::kZstd:
      return "zstd";
    case Compression::kSnappy:
      return "snappy";
  }
  return "?";
}

// "3 × 64.0 MiB, 1 × 7.5 MiB", largest first.
std::string range_sizes(const std::vector<PlannedRange>& ranges) {
  std::map<uint64_t, size_t, std::greater<>> counts;
  for (const PlannedRange& range : ranges) counts[range.end_offset - range.begin_offset]++;
  std::vector<std::string> parts;
  for (const auto& [size, count] : counts) {
    parts.push_back(fmt::format("{} × {}", count, bytes_text(size)));
    if (parts.size() == 4 && counts.size() > 4) {
      parts.push_back("…");
      break;
    }
  }
  return fmt::format("{}", fmt::join(parts, ", "));
}

// One line per step: what it does; where it runs.
std::string step_text(const StepSpec& step) {
  const auto named = [&](const std::vector<NamedExpr>& exprs) {
    std::string text;
    for (const NamedExpr& e : exprs) text += fmt::format("\n        {} = {}", e.name, e.expr);
    return text;
  };
  switch (step.kind) {
    case StepKind::kFilter:
      return "filter " + step.expr;
    case StepKind::kDerive:
      return "derive" + named(step.exprs);
    case StepKind::kSelect:
      return "select" + named(step.exprs);
    case StepKind::kDrop:
      return "drop " + quoted_list(step.columns);
    case StepKind::kAggregate: {
      if (step.aggregate.distinct) {
        return step.aggregate.distinct_all ? "distinct (every column)"
                                           : "distinct " + quoted_list(step.aggregate.by);
      }
      return "aggregate by " + quoted_list(step.aggregate.by) + named(step.aggregate.aggs);
    }
    case StepKind::kSort: {
      std::vector<std::string> keys;
      for (const SortKey& key : step.sort) {
        keys.push_back(fmt::format("\"{}\" {}", key.column, key.descending ? "desc" : "asc"));
      }
      return fmt::format("sort {} (NULLs last)", fmt::join(keys, ", "));
    }
    case StepKind::kLimit:
      return fmt::format("limit {}", step.limit);
    case StepKind::kLookup:
      return fmt::format("lookup {} on \"{}\" = \"{}\"", step.lookup.path, step.lookup.left,
                         step.lookup.right);
    case StepKind::kExec:
      return fmt::format("exec {}", fmt::join(step.exec.command, " "));
    case StepKind::kJoin: {
      const JoinSpec& join = *step.join;
      std::vector<std::string> keys;
      for (size_t i = 0; i < join.left_keys.size(); ++i) {
        keys.push_back(fmt::format("\"{}\" = \"{}\"", join.left_keys[i], join.right_keys[i]));
      }
      return fmt::format("join {} {} on {}", join_how_name(join.how),
                         fmt::join(join.input.paths, ", "), fmt::join(keys, " AND "));
    }
  }
  return "?";
}

int explain(const LoadedJob& job, const CheckedJob& checked, const std::string& source) {
  const JobSpec& spec = job.spec;
  std::string out;
  const auto line = [&](const std::string& text) { out += text + "\n"; };
  line(fmt::format("job         {}{}", spec.name, source.empty() ? "" : " (" + source + ")"));

  // Input and partitions, as the coordinator's planner cuts them.
  const InputSpec& input = spec.input;
  size_t tasks = 0;
  if (input.format == InputFormat::kPostgres) {
    line(fmt::format("input       postgres: {} (key \"{}\")", input.query, input.key));
    line(
        fmt::format("partitions  key ranges of about {} rows each, planned at submission from the "
                    "key's min, max and count (not read by explain)",
                    input.split_rows));
  } else {
    uint64_t total = 0;
    for (const InputFile& file : checked.inputs) total += file.size_bytes;
    line(fmt::format("input       {}, {} file{}, {}: {}", format_name(input.format),
                     checked.inputs.size(), checked.inputs.size() == 1 ? "" : "s",
                     bytes_text(total), fmt::join(input.paths, ", ")));
    // Hive partitions: the files the filters rule out are not planned.
    auto pruning = prune_hive_files(spec, checked.inputs);
    if (!pruning.is_ok()) {
      fmt::print(stderr, "sluice explain: {}\n", pruning.status().message());
      return kExitUsage;
    }
    if (hive_partitioning_on(input)) {
      std::vector<std::string> keys;
      for (const auto& [key, type] : input.hive_types) keys.push_back(key + " " + type);
      line(fmt::format("hive        partition columns {} (from the key=value directories)",
                       fmt::join(keys, ", ")));
      line(fmt::format("            {} of {} file{} skipped by their partition values ({}){}{}",
                       pruning->files_skipped, checked.inputs.size(),
                       checked.inputs.size() == 1 ? "" : "s", bytes_text(pruning->bytes_skipped),
                       pruning->filters.empty() ? "" : ": ", fmt::join(pruning->filters, " AND ")));
    }
    // Parquet files are cut at row group starts, as admission cuts them.
    const std::vector<PlannedRange> ranges = plan_input_ranges(
        input, checked.inputs, pruning->skipped, input_s3_options(input, job.base_dir));
    tasks = ranges.size();
    line(fmt::format("partitions  {} (split_size {}){}{}", ranges.size(),
                     bytes_text(input.split_size_bytes), ranges.empty() ? "" : ": ",
                     range_sizes(ranges)));
  }

  // Projection: the columns the map tasks' pipeline reads.
  const std::optional<size_t> join_index = join_step_index(spec);
  JobSpec map_spec = join_index ? join_left_spec(spec) : spec;
  map_spec.base_dir = job.base_dir;
  auto pipeline = Pipeline::compile(map_spec, checked.input_columns, checked.header_known);
  if (!pipeline.is_ok()) {
    fmt::print(stderr, "sluice explain: {}\n", pipeline.status().message());
    return kExitUsage;
  }
  std::vector<std::string> read;
  for (size_t index : pipeline.value()->input_columns_read()) {
    read.push_back(checked.input_columns[index]);
  }
  if (read.size() == checked.input_columns.size()) {
    line(fmt::format("projection  reads all {} columns", read.size()));
  } else {
    line(fmt::format("projection  reads {} of {} columns{}{}", read.size(),
                     checked.input_columns.size(), read.empty() ? "" : ": ", quoted_list(read)));
  }
  if (read.size() < checked.input_columns.size() && input.format == InputFormat::kCsv) {
    line(fmt::format("            the other {} are passed over by counting delimiters",
                     checked.input_columns.size() - read.size()));
  }
  if (spec.schema) {
    line(fmt::format("schema      {} typed column{} checked first (on_error: {})",
                     spec.schema->columns.size(), spec.schema->columns.size() == 1 ? "" : "s",
                     spec.schema->fail_on_error ? "fail" : "reject"));
  }

  // Steps, and where each runs.
  const bool global_sort = sorts_globally(spec);
  std::optional<size_t> aggregate_index;
  for (size_t i = 0; i < spec.steps.size(); ++i) {
    if (spec.steps[i].kind == StepKind::kAggregate && !aggregate_index) aggregate_index = i;
  }
  const size_t exchange_at = aggregate_index ? *aggregate_index
                             : join_index    ? *join_index
                                             : spec.steps.size();
  line("steps");
  if (spec.steps.empty()) line("  (none: rows are written as read)");
  for (size_t i = 0; i < spec.steps.size(); ++i) {
    const StepSpec& step = spec.steps[i];
    std::string where;
    if (i < exchange_at || global_sort) {
      where = "map side, in each read task";
      if (step.kind == StepKind::kSort) {
        where = "map tasks sort their ranges; bucket tasks merge key ranges";
      } else if (step.kind == StepKind::kLimit) {
        where = "map tasks keep their first rows; one bucket task merges and stops";
      } else if (step.kind == StepKind::kFilter && i < exchange_at) {
        where = "map side, in each read task, before any other work on the rows";
      }
    } else if (i == exchange_at && aggregate_index) {
      where = "map tasks fold partial states; bucket tasks merge them";
    } else if (i == exchange_at) {
      where = checked.join_broadcast ? "map side, as a lookup (the right input is broadcast)"
                                     : "bucket tasks, a sort-merge join of each bucket";
    } else if (step.kind == StepKind::kSort) {
      where = "each bucket task sorts its groups; one merge task merges them";
    } else {
      where = join_index && !checked.join_broadcast ? "bucket tasks, over the joined rows as text"
              : join_index                          ? "map side, after the lookup"
                                                    : "bucket tasks, over the groups";
    }
    if (i > exchange_at && aggregate_index && step.kind == StepKind::kLimit) {
      where = "the merge task stops after these rows";
    }
    // A query's step says which clause it comes from.
    std::string text = step_text(step);
    if (step.where.key.starts_with("query: ")) {
      const size_t end = std::min(text.find('\n'), text.size());
      text.insert(end, "   ← " + step.where.key.substr(7));
    }
    line(fmt::format("  {}. {}\n      runs: {}", i + 1, text, where));
  }

  // Stages and exchanges, as the coordinator plans them.
  line("stages");
  const std::string bucket_count =
      spec.parallelism > 0
          ? fmt::format("{} (parallelism)", spec.parallelism)
          : fmt::format(
                "decided when the map outputs are committed: one per {} of map output, "
                "at least 1 (not known before the run)",
                bytes_text(limits::kBucketTargetBytes));
  // The bucket tasks are planned from the committed map outputs' bytes; an
  // estimate from the input's bytes of the columns read, said to be one.
  uint64_t input_bytes_total = 0;
  for (const InputFile& file : checked.inputs) input_bytes_total += file.size_bytes;
  const double input_bytes = static_cast<double>(input_bytes_total);
  const double read_fraction =
      checked.input_columns.empty()
          ? 1.0
          : static_cast<double>(read.size()) / static_cast<double>(checked.input_columns.size());
  const auto estimate = [&](double bytes, uint32_t tasks_max) {
    if (spec.parallelism > 0 || input.format == InputFormat::kPostgres) return;
    const double target = static_cast<double>(limits::kBucketTargetBytes);
    const uint64_t tasks =
        std::clamp<uint64_t>(static_cast<uint64_t>((bytes + target - 1) / target), 1, tasks_max);
    line(
        fmt::format("     estimate: about {} bucket task(s), if the map outputs hold about {} "
                    "(the input's bytes of the columns read)",
                    tasks, bytes_text(static_cast<uint64_t>(bytes))));
  };
  const std::string map_tasks = input.format == InputFormat::kPostgres
                                    ? std::string("one per key range")
                                    : std::to_string(tasks);
  if (aggregate_index) {
    const StepSpec& step = spec.steps[*aggregate_index];
    line(fmt::format(
        "  1. map: {} task(s); each folds its range into partial states and writes them "
        "into {} buckets by the hash of {}",
        map_tasks, exchange_buckets(spec),
        step.aggregate.by.empty() ? std::string("(no key: one group)")
                                  : quoted_list(step.aggregate.by)));
    line("     exchange: hash partitioning (committed map outputs under _partials/)");
    line(
        fmt::format("  2. buckets: {}; each merges its buckets (spilling past {}) and runs the "
                    "steps after the aggregate",
                    bucket_count, bytes_text(spec.memory_per_task_bytes)));
    if (sorts_after_aggregate(spec)) {
      line("  3. merge: 1 task merges the sorted bucket outputs into part-00000");
    }
  } else if (global_sort) {
    const std::optional<uint64_t> limit = global_sort_limit(spec);
    line(
        fmt::format("  1. map: {} task(s); each sorts its range (spilling past {}) and samples its "
                    "keys{}",
                    map_tasks, bytes_text(spec.memory_per_task_bytes),
                    limit ? fmt::format(", keeping its first {} rows", *limit) : ""));
    line("     exchange: range partitioning (key ranges from the samples)");
    if (limit) {
      line(
          "  2. buckets: 1 task merges the map outputs' first rows and stops at the limit, into "
          "part-00000");
    } else {
      line(
          fmt::format("  2. buckets: {}; bucket task n merges the n-th key range of every map "
                      "output into part-n",
                      bucket_count));
      estimate(input_bytes * read_fraction, limits::kBucketsMax);
    }
  } else if (join_index && !checked.join_broadcast) {
    const std::vector<PlannedRange> right =
        plan_ranges(checked.right_inputs, join_of(spec)->input.split_size_bytes);
    line(fmt::format(
        "  1. map: {} left task(s) and {} right task(s) ({} right columns); each writes "
        "its rows into {} buckets by the hash of the join key",
        map_tasks, right.size(), checked.right_columns.size(), exchange_buckets(spec)));
    line("     exchange: hash partitioning by the join key");
    line(
        fmt::format("  2. buckets: {}; each sort-merge joins its buckets, then runs the steps "
                    "after the join",
                    bucket_count));
    uint64_t right_bytes = 0;
    for (const InputFile& file : checked.right_inputs) right_bytes += file.size_bytes;
    estimate(input_bytes * read_fraction + static_cast<double>(right_bytes),
             exchange_buckets(spec));
  } else {
    line(fmt::format("  1. read: {} task(s), map only (no exchange); each writes its own part",
                     map_tasks));
  }

  // Output.
  const OutputSpec& output = spec.output;
  line(fmt::format("output      {} ({}, compression {}, mode {})",
                   output.path == kTerminal
                       ? std::string("the terminal: a table (a temporary directory while it runs)")
                       : output.path,
                   format_name(output.format), compression_name(output.compression),
                   output_mode_name(output.mode)));
  line(fmt::format("            columns: {}", quoted_list(checked.output_columns)));
  std::string parts;
  if (aggregate_index && sorts_after_aggregate(spec)) {
    parts = "part-00000 (the merge of the sorted buckets)";
  } else if (aggregate_index || (join_index && !checked.join_broadcast) || global_sort) {
    parts = "one part-NNNNN per bucket task, in bucket order";
  } else {
    parts = fmt::format("one part-NNNNN per partition ({}), in input order", map_tasks);
  }
  line(fmt::format("            parts: {}", parts));
  if (!output.partition_by.empty()) {
    line(
        fmt::format("            partition_by: {} → directories {}=…/, those columns left out of "
                    "the files",
                    quoted_list(output.partition_by), output.partition_by.front()));
  }
  fmt::print("{}", out);
  return kExitOk;
}

}  // namespace

int explain_command(const ExplainFlags& flags) {
  if (flags.job_file.empty() == flags.query.empty()) {
    fmt::print(stderr, "sluice explain: give a job file or --sql \"SELECT …\" (one of them)\n");
    return kExitUsage;
  }
  if (!flags.job_file.empty() && (!flags.out.empty() || !flags.format.empty())) {
    fmt::print(stderr, "sluice explain: --out and --format go with --sql\n");
    return kExitUsage;
  }
  std::optional<LoadedJob> job;
  if (!flags.job_file.empty()) {
    job = load_checked_job(flags.job_file);
  } else {
    SqlJobRequest request{flags.query, flags.out, flags.format, kTerminal};
    job = load_sql_job(request, "explain");
  }
  if (!job) return kExitUsage;
  auto checked = check_job(job->spec, job->base_dir);
  if (!checked.is_ok()) {
    fmt::print(stderr, "sluice explain: {}\n", checked.status().message());
    return kExitUsage;
  }
  return explain(*job, checked.value(), flags.job_file);
}

}  // namespace sluice
