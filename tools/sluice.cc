// The one sluice binary: parses flags (CLI11) and dispatches to a subcommand.
#include <fmt/format.h>
#include <rocksdb/version.h>

#include <CLI/CLI.hpp>
#include <cstdlib>

#include "common/base/log.h"
#include "proto/versions.h"
#include "tools/cli/commands.h"

namespace {

std::string version_text() {
  return fmt::format("sluice {} (commit {})\ncompiler {}\n{}\nRocksDB {}.{}.{}", SLUICE_VERSION,
                     SLUICE_GIT_COMMIT, __VERSION__, sluice::proto::library_versions(),
                     ROCKSDB_MAJOR, ROCKSDB_MINOR, ROCKSDB_PATCH);
}

void add_connect_options(CLI::App* app, sluice::ConnectFlags& flags) {
  app->add_option("--coordinator", flags.coordinator, "tcp://HOST:PORT")
      ->envname("SLUICE_COORDINATOR")
      ->required();
  app->add_option("--curve-secret", flags.curve_secret, "own CURVE secret key file")
      ->envname("SLUICE_CURVE_SECRET");
  app->add_option("--coordinator-key", flags.coordinator_key, "the coordinator's public key file")
      ->envname("SLUICE_COORDINATOR_KEY");
}

// A flag error is one line: what is wrong, and where to look.
std::string one_line_failure(const CLI::App* app, const CLI::Error& error) {
  std::string what = error.what();
  // CLI11 reports a mistyped subcommand as a missing one.
  const std::vector<std::string> left = app->remaining();
  if (error.get_name() == "RequiredError" && what.find("subcommand") != std::string::npos &&
      !left.empty()) {
    what = "unknown subcommand '" + left.front() + "'";
  }
  for (char& c : what) {
    if (c == '\n') c = ' ';
  }
  return "sluice: " + what + " (see --help)\n";
}

int dispatch(int argc, char** argv);

// The footer of a subcommand's --help: how it is typically called.
std::string example(const std::string& command) { return "Example:\n  " + command; }

}  // namespace

// Errors are values, so nothing should reach here; if an exception does, it
// is one line and exit 1, never std::terminate.
int main(int argc, char** argv) {
  try {
    return dispatch(argc, argv);
  } catch (const std::exception& error) {
    fmt::print(stderr, "sluice: internal error: {}\n", error.what());
  } catch (...) {
    fmt::print(stderr, "sluice: internal error: unknown exception\n");
  }
  return sluice::kExitJobFailed;
}

namespace {

int dispatch(int argc, char** argv) {
  using namespace sluice;
  CLI::App app{"sluice: exactly-once ETL over files larger than memory"};
  app.failure_message(one_line_failure);
  app.set_version_flag("--version", version_text());
  app.require_subcommand(1);
  app.fallthrough();  // --log-format and --log-level also after the subcommand
  std::string log_format = "text";
  std::string log_level = "info";
  app.add_option("--log-format", log_format, "text or json")
      ->envname("SLUICE_LOG_FORMAT")
      ->check(CLI::IsMember({"text", "json"}));
  CLI::Option* log_level_option =
      app.add_option("--log-level", log_level, "trace, debug, info, warn, error")
          ->envname("SLUICE_LOG_LEVEL")
          ->check(CLI::IsMember(
              {"trace", "debug", "info", "warn", "warning", "error", "critical", "off"}));

  RunFlags run;
  auto* run_app = app.add_subcommand("run", "run a job to completion with local workers");
  run_app->add_option("job", run.job_file, "job file (YAML)")->required();
  run_app->add_option("--workers", run.workers, "worker processes (default: cores)")
      ->envname("SLUICE_WORKERS");
  run_app->add_option("--state", run.state_dir, "state directory (default .sluice/<job name>)")
      ->envname("SLUICE_STATE");
  run_app->add_flag("--no-progress", run.no_progress, "no progress bar");
  run_app->add_option("--http", run.http,
                      "HOST:PORT of the dashboard, /api/jobs and /metrics while it runs "
                      "(default 127.0.0.1:4040 or the next free port; port 0: any; off: none; "
                      "the port is printed on stderr)");
  run_app->footer(example("sluice run examples/w1-nj-ford-police.yaml --workers 2"));

  std::string check_file;
  auto* check_app =
      app.add_subcommand("check", "check a job file as run and submit do, and run nothing");
  check_app->add_option("job", check_file, "job file (YAML)")->required();
  check_app->footer(example("sluice check examples/w1-nj-ford-police.yaml && echo valid"));

  CoordinatorFlags coordinator;
  coordinator.listen = "tcp://127.0.0.1:7700";
  auto* coordinator_app = app.add_subcommand("coordinator", "run a long-lived coordinator");
  coordinator_app->add_option("--listen", coordinator.listen, "tcp://HOST:PORT")
      ->envname("SLUICE_LISTEN");
  coordinator_app->add_option("--state", coordinator.state_dir, "state directory (RocksDB)")
      ->envname("SLUICE_STATE")
      ->required();
  coordinator_app
      ->add_option("--curve-secret", coordinator.curve_secret, "own CURVE secret key file")
      ->envname("SLUICE_CURVE_SECRET");
  coordinator_app
      ->add_option("--authorized-keys", coordinator.authorized_keys,
                   "file of admitted public keys, one per line")
      ->envname("SLUICE_AUTHORIZED_KEYS");
  coordinator_app
      ->add_option("--http", coordinator.http, "HOST:PORT for /healthz, /metrics, /api, /")
      ->envname("SLUICE_HTTP");
  coordinator_app->footer(
      example("sluice coordinator --listen tcp://0.0.0.0:7700 --state /var/lib/sluice "
              "--http 0.0.0.0:8080"));

  WorkerFlags worker;
  auto* worker_app = app.add_subcommand("worker", "run a long-lived worker");
  add_connect_options(worker_app, worker.connect);
  worker_app->add_option("--slots", worker.slots, "tasks at once (0: cores)")
      ->envname("SLUICE_SLOTS");
  worker_app->footer(example("sluice worker --coordinator tcp://host-a:7700 --slots 4"));

  SubmitFlags submit;
  auto* submit_app = app.add_subcommand("submit", "submit a job to a coordinator");
  submit_app->add_option("job", submit.job_file, "job file (YAML)")->required();
  add_connect_options(submit_app, submit.connect);
  submit_app->add_flag("--wait", submit.wait, "follow the job to its end");
  submit_app->add_flag("--no-progress", submit.no_progress, "no progress bar");
  submit_app->footer(example("sluice submit job.yaml --coordinator tcp://host-a:7700 --wait"));

  std::string job_id;
  ConnectFlags client_connect;
  auto* status_app = app.add_subcommand("status", "show jobs, progress and workers");
  status_app->add_option("job", job_id, "job id (default: all)");
  add_connect_options(status_app, client_connect);
  status_app->footer(example("sluice status --coordinator tcp://host-a:7700"));
  auto* cancel_app = app.add_subcommand("cancel", "cancel a job");
  cancel_app->add_option("job", job_id, "job id")->required();
  add_connect_options(cancel_app, client_connect);
  cancel_app->footer(example("sluice cancel 3f2a9c1e5b7d4a60 --coordinator tcp://host-a:7700"));

  SqlFlags sql;
  auto* sql_app = app.add_subcommand("sql", "run a SQL statement (docs/SQL.md)");
  sql_app->add_option("query", sql.query, "SELECT … FROM 'path' … or COPY (SELECT …) TO 'dir'")
      ->required();
  sql_app->add_option("--out", sql.out, "output directory (default: print a table)");
  sql_app->add_option("--format", sql.format, "csv, jsonl or parquet (with --out)")
      ->check(CLI::IsMember({"csv", "jsonl", "parquet"}));
  sql_app->add_option("--workers", sql.workers, "worker processes (default: cores)")
      ->envname("SLUICE_WORKERS");
  sql_app->add_option("--state", sql.state_dir, "state directory (default .sluice/<job name>)")
      ->envname("SLUICE_STATE");
  sql_app->add_flag("--no-progress", sql.no_progress, "no progress bar");
  sql_app->footer(example(
      "sluice sql \"SELECT \\\"Registration State\\\", count(*) AS n FROM 'data/parking.csv' "
      "GROUP BY ALL ORDER BY n DESC LIMIT 5\""));

  ExplainFlags explain;
  auto* explain_app = app.add_subcommand("explain", "show a job's plan without running anything");
  explain_app->add_option("job", explain.job_file, "job file (YAML)");
  explain_app->add_option("--sql", explain.query, "a SQL statement instead of a job file");
  explain_app->add_option("--out", explain.out, "with --sql: the output directory");
  explain_app->add_option("--format", explain.format, "with --sql: csv, jsonl or parquet")
      ->check(CLI::IsMember({"csv", "jsonl", "parquet"}));
  explain_app->footer(example("sluice explain examples/w1-nj-ford-police.yaml"));

  std::string output_dir;
  auto* verify_app = app.add_subcommand("verify", "audit an output directory against its manifest");
  verify_app
      ->add_option("output", output_dir,
                   "output directory, or its copy s3://bucket/prefix (the store and credentials "
                   "from AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or "
                   "~/.aws/credentials)")
      ->required();
  verify_app->footer(example("sluice verify out/w1/"));

  std::string key_prefix;
  auto* keygen_app = app.add_subcommand("keygen", "write a CurveZMQ key pair");
  keygen_app->add_option("--out", key_prefix, "PREFIX: writes PREFIX.key and PREFIX.pub")
      ->required();
  keygen_app->footer(example("sluice keygen --out worker-1   # worker-1.key and worker-1.pub"));

  GenFlags gen;
  auto* gen_app = app.add_subcommand("gen", "generate sample data");
  gen_app->add_option("dataset", gen.dataset, "parking or registrations")->required();
  gen_app->add_option("--rows", gen.rows, "data rows");
  gen_app->add_option("--seed", gen.seed, "random seed");
  gen_app->add_option("--multiline-rate", gen.multiline_rate,
                      "fraction of records with a quoted newline");
  gen_app->add_option("--out", gen.out, "output file")->required();
  gen_app->footer(example("sluice gen parking --rows 1000000 --seed 1 --out data/parking.csv"));
  app.footer(
      "Examples:\n"
      "  sluice run examples/w1-nj-ford-police.yaml --workers 2\n"
      "  sluice submit job.yaml --coordinator tcp://host-a:7700 --wait\n"
      "Each subcommand's options and an example: sluice SUBCOMMAND --help.\n"
      "Exit status: 0 success, 1 the job failed, 2 a usage or job-file error.");

  DescribeFlags describe;
  auto* describe_app =
      app.add_subcommand("describe", "show a CSV input's columns and the types inferred from it");
  describe_app->add_option("path", describe.path, "a CSV file, directory or glob")->required();
  auto* describe_delimiter = describe_app->add_option(
      "--delimiter", describe.delimiter, "field delimiter (default: guessed from the file)");
  describe_app->add_flag("--no-header", describe.no_header,
                         "the first line is data (default: guessed from the file)");
  describe_app->add_option("--null", describe.null_values, "a text read as NULL (repeatable)");
  describe_app->footer(example("sluice describe data/parking.csv"));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    const int code = app.exit(error);
    return code == 0 ? kExitOk : kExitUsage;
  }
  describe.delimiter_given = describe_delimiter->count() > 0;
  // A table on the terminal (`sluice sql` without --out) is not mixed with
  // the embedded coordinator's log lines unless asked for.
  if (*sql_app && sql.out.empty() && log_level_option->count() == 0 &&
      std::getenv("SLUICE_LOG_LEVEL") == nullptr) {
    log_level = "error";
    ::setenv("SLUICE_LOG_LEVEL", "error", 0);  // the local workers too
  }
  configure_logging(log_format == "json" ? LogFormat::kJson : LogFormat::kText, log_level);
  run.log_level_given =
      app.get_option("--log-level")->count() > 0 || std::getenv("SLUICE_LOG_LEVEL") != nullptr;

  if (*run_app) return run_command(run);
  if (*check_app) return check_command(check_file);
  if (*coordinator_app) return coordinator_command(coordinator);
  if (*worker_app) return worker_command(worker);
  if (*submit_app) return submit_command(submit);
  if (*status_app) return status_command(job_id, client_connect);
  if (*cancel_app) return cancel_command(job_id, client_connect);
  if (*verify_app) return verify_command(output_dir);
  if (*sql_app) return sql_command(sql);
  if (*explain_app) return explain_command(explain);
  if (*keygen_app) return keygen_command(key_prefix);
  if (*gen_app) return gen_command(gen);
  if (*describe_app) return describe_command(describe);
  return kExitUsage;
}

}  // namespace
