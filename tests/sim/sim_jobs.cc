#include "tests/sim/sim_jobs.h"

#include <fmt/format.h>

#include "tests/sim/sim_join.h"

namespace sluice::sim {
namespace {

// The steps the simulated workers stand for (sim_exchange.h: the aggregate
// by the value's first letter).
std::string job_steps_yaml(const SimJob& job) {
  if (job.kind == JobKind::kPartitioned) {
    return "steps:\n  - derive: {key: \"substr(value, 1, 1)\"}\n";
  }
  if (job.kind == JobKind::kJoin) {
    return fmt::format(
        "steps:\n  - derive: {{key: \"substr(value, 1, 1)\"}}\n  - join:\n      input: {{path: "
        "right.csv, split_size: {}}}\n      on: {{key: rkey}}\n      how: inner\n"
        "      columns: [rid]\nparallelism: {}\n",
        kSplitBytes, job.buckets);
  }
  if (job.kind == JobKind::kSort) {
    return fmt::format("steps:\n  - sort: [value]\nparallelism: {}\n", job.buckets);
  }
  if (job.kind != JobKind::kAggregate && job.kind != JobKind::kSortedAggregate) return "";
  return fmt::format(
      "schema:\n  columns:\n    id: int64\nsteps:\n  - derive: {{key: \"substr(value, 1, "
      "1)\"}}\n  - aggregate:\n"
      "      by: [key]\n      aggs: {{rows: \"count(*)\", total: \"sum(id)\"}}\n{}"
      "parallelism: {}\n",
      job.kind == JobKind::kSortedAggregate ? "  - sort: [key]\n" : "", job.buckets);
}

}  // namespace

Input make_csv_input(Rng& rng, uint32_t partitions, const std::string& header,
                     const std::function<void(Rng&, std::string&)>& write_value) {
  Input input;
  input.text = header;
  input.header_end = input.text.size();
  const uint64_t size = kSplitBytes * (partitions - 1) + rng.between(1, kSplitBytes);
  for (uint64_t id = 1; input.text.size() < size; ++id) {
    input.offsets.push_back(input.text.size());
    input.ids.push_back(std::to_string(id));
    input.rejected.push_back(rng.chance(150'000));
    input.text += std::to_string(id) + ",";
    write_value(rng, input.text);
    input.text += '\n';
  }
  return input;
}

Input make_input(Rng& rng, uint32_t partitions) {
  return make_csv_input(rng, partitions, "id,value\n", [](Rng& draw, std::string& text) {
    const int64_t letters = draw.between(0, 24);
    for (int64_t i = 0; i < letters; ++i) text += static_cast<char>('a' + draw.below(26));
  });
}

Faults draw_faults(Rng& rng) {
  Faults faults;
  if (rng.chance(100'000)) return faults;  // one run in ten: no faults at all
  faults.faults_until_ms = rng.between(500, 10'000);
  faults.drop_per_million = static_cast<uint32_t>(rng.below(200'000));
  faults.duplicate_per_million = static_cast<uint32_t>(rng.below(100'000));
  faults.delay_ms_max = rng.chance(200'000) ? rng.between(0, 8'000) : rng.between(0, 600);
  faults.worker_crash_per_million = static_cast<uint32_t>(rng.below(2'000));
  faults.coordinator_crash_per_million = static_cast<uint32_t>(rng.below(8'000));
  faults.crash_point_per_million = static_cast<uint32_t>(rng.below(60'000));
  faults.power_cut_per_million = static_cast<uint32_t>(rng.below(1'000'000));
  faults.task_failure_per_million = static_cast<uint32_t>(rng.below(40'000));
  faults.wrong_guess_per_million = static_cast<uint32_t>(rng.below(300'000));
  return faults;
}

void draw_job_kind(Rng& rng, SimJob& job) {
  const uint64_t kind = rng.below(6);  // map-only 3 in 6, aggregate 2, partition_by 1
  job.kind = kind < 3 ? JobKind::kMapOnly : kind < 5 ? JobKind::kAggregate : JobKind::kPartitioned;
  if (job.kind == JobKind::kAggregate) job.buckets = static_cast<uint32_t>(rng.between(1, 4));
}

void draw_sort_or_join(Rng& rng, SimJob& job) {
  if (job.kind == JobKind::kAggregate && rng.chance(330'000)) {
    job.kind = JobKind::kSortedAggregate;
    return;
  }
  if (job.kind != JobKind::kMapOnly || job.input.poison != SIZE_MAX) return;
  const uint64_t which = rng.below(8);  // a sort 2 in 8, a join 2 in 8
  if (which >= 4) return;
  job.kind = which < 2 ? JobKind::kSort : JobKind::kJoin;
  job.buckets = static_cast<uint32_t>(rng.between(1, 4));
  if (job.kind == JobKind::kJoin)
    job.right_input = make_right_input(rng, static_cast<uint32_t>(rng.between(1, 4)));
}

std::string job_yaml(const SimJob& job) {
  return fmt::format(
      "name: sim\ninput:\n  path: input.csv\n  split_size: {}\noutput:\n  path: out/\n{}"
      "rejects:\n  max_ratio: 1\nmax_attempts: 3\nspeculative: {}\n{}",
      kSplitBytes, job.kind == JobKind::kPartitioned ? "  partition_by: [key]\n" : "",
      job.speculative, job_steps_yaml(job));
}

}  // namespace sluice::sim
