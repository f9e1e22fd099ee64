// The coordinator's samples for the dashboard: a bounded ring that keeps a
// long job's whole history by halving its resolution, and the partition
// grid's compaction (each cell: the least advanced state of its run).
#include "coordinator/telemetry.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <random>

namespace sluice {
namespace {

Sample counter_at(int64_t unix_ms, uint64_t value) { return Sample{unix_ms, {value, 0, 0, 0}}; }

TEST(SampleRing, StaysBoundedAndKeepsTheWholeHistoryByHalving) {
  SampleRing ring(8, 1000, SampleRing::Merge::kCounters);
  for (int64_t second = 0; second < 100; ++second) {
    ring.add(counter_at(second * 1000, static_cast<uint64_t>(second) * 10));
    ASSERT_LE(ring.points().size(), 8u);
  }
  // 100 s in at most 8 points: the interval doubled until it covered them.
  EXPECT_GE(ring.interval_ms(), 100'000 / 8);
  EXPECT_GE(ring.points().size(), 4u);
  // The history is whole: from near the start to the last point added.
  EXPECT_LE(ring.points().front().unix_ms, ring.interval_ms());
  EXPECT_GT(ring.points().back().unix_ms, 99'000 - ring.interval_ms());
  // Counters keep the later point of a pair: values stay exact at their times.
  for (const Sample& sample : ring.points())
    EXPECT_EQ(sample.values[0], static_cast<uint64_t>(sample.unix_ms / 100));
}

TEST(SampleRing, IgnoresPointsSoonerThanItsInterval) {
  SampleRing ring(600, 1000, SampleRing::Merge::kCounters);
  EXPECT_TRUE(ring.add(counter_at(0, 1)));
  EXPECT_FALSE(ring.add(counter_at(500, 2)));
  EXPECT_TRUE(ring.add(counter_at(1000, 3)));
  ASSERT_EQ(ring.points().size(), 2u);
  EXPECT_EQ(ring.points()[1].values[0], 3u);
  ring.add_final(counter_at(1200, 4));  // a job's end is always recorded
  EXPECT_EQ(ring.points().size(), 3u);
}

TEST(SampleRing, GaugesKeepTheirPeaksWhenMerged) {
  SampleRing ring(4, 1000, SampleRing::Merge::kGaugeMax);
  const uint64_t values[] = {5, 90, 7, 8, 6, 3};
  for (int64_t i = 0; i < 6; ++i) ring.add(counter_at(i * 1000, values[i]));
  uint64_t peak = 0;
  for (const Sample& sample : ring.points()) peak = std::max(peak, sample.values[0]);
  EXPECT_EQ(peak, 90u);
  EXPECT_LE(ring.points().size(), 4u);
}

TEST(SampleRing, RandomTimesStayBoundedOrderedAndSpanned) {
  // SLUICE_SEED=N replays a run.
  const char* seed_text = std::getenv("SLUICE_SEED");
  const unsigned seed = seed_text != nullptr
                            ? static_cast<unsigned>(std::strtoul(seed_text, nullptr, 10))
                            : std::random_device{}();
  std::printf("seed=%u (SLUICE_SEED=%u replays it)\n", seed, seed);
  std::mt19937 random(seed);
  for (int round = 0; round < 50; ++round) {
    const size_t capacity = 2 + random() % 40;
    const int64_t interval_first_ms = 1 + random() % 2000;
    SampleRing ring(capacity, interval_first_ms, SampleRing::Merge::kCounters);
    int64_t now = 0, first = -1;
    const int count = static_cast<int>(random() % 5000);
    for (int i = 0; i < count; ++i) {
      now += random() % 3000;
      if (ring.add(counter_at(now, static_cast<uint64_t>(now))) && first < 0) first = now;
      ASSERT_LE(ring.points().size(), capacity) << "seed=" << seed;
    }
    for (size_t i = 1; i < ring.points().size(); ++i)
      ASSERT_LT(ring.points()[i - 1].unix_ms, ring.points()[i].unix_ms) << "seed=" << seed;
    // What was merged away at the front is at most factor - 1 gaps of
    // the first interval (plus the random step) long: the start is kept.
    if (!ring.points().empty()) {
      const int64_t factor = ring.interval_ms() / interval_first_ms;  // 2^halvings
      EXPECT_LE(ring.points().front().unix_ms - first, (factor - 1) * (interval_first_ms + 3000))
          << "seed=" << seed;
    }
  }
}

TEST(Telemetry, KeepsADepartedWorkersSeriesForAWhileThenDropsIt) {
  Telemetry telemetry;
  telemetry.worker_memory("w1", 1000);
  telemetry.worker_memory("w2", 2000);
  telemetry.sample_workers({"w1", "w2"}, 1'000);
  telemetry.sample_workers({"w1"}, 2'000);
  EXPECT_EQ(telemetry.workers().size(), 2u);
  telemetry.sample_workers({"w1"}, 1'000 + Telemetry::kWorkerGoneKeepMs);
  EXPECT_EQ(telemetry.workers().size(), 2u);
  telemetry.sample_workers({"w1"}, 1'000 + Telemetry::kWorkerGoneKeepMs + 1);
  ASSERT_EQ(telemetry.workers().size(), 1u);
  EXPECT_EQ(telemetry.workers().begin()->first, "w1");
  EXPECT_EQ(telemetry.workers().at("w1").ring.points().size(), 3u);  // the last within 1 s
}

TEST(Telemetry, StopsSamplingAJobAtItsEndAndBoundsTheJobsKept) {
  Telemetry telemetry;
  telemetry.sample_job("a", 1, counter_at(0, 1));
  telemetry.sample_job("a", 1, counter_at(1000, 2));
  telemetry.end_job("a", 1, counter_at(1500, 3), true);
  telemetry.sample_job("a", 1, counter_at(3000, 4));
  ASSERT_NE(telemetry.job("a"), nullptr);
  EXPECT_EQ(telemetry.job("a")->points().size(), 3u);
  EXPECT_EQ(telemetry.job("a")->points().back().values[0], 3u);
  for (size_t i = 0; i < Telemetry::kJobsMax; ++i)
    telemetry.sample_job("job" + std::to_string(i), 10 + static_cast<int64_t>(i), counter_at(0, 0));
  EXPECT_EQ(telemetry.job("a"), nullptr);  // the oldest went
  EXPECT_NE(telemetry.job("job0"), nullptr);
}

TEST(Telemetry, AJobThatEndedBetweenRendersHasItsStartAndEnd) {
  Telemetry telemetry;
  telemetry.end_job("quick", 10, counter_at(10'400, 500), true);
  ASSERT_NE(telemetry.job("quick"), nullptr);
  ASSERT_EQ(telemetry.job("quick")->points().size(), 2u);
  EXPECT_EQ(telemetry.job("quick")->points()[0].unix_ms, 10'000);
  EXPECT_EQ(telemetry.job("quick")->points()[0].values[0], 0u);
  EXPECT_EQ(telemetry.job("quick")->points()[1].values[0], 500u);
  telemetry.end_job("old", 10, counter_at(99'000'000, 500), false);  // a restart's old job
  EXPECT_EQ(telemetry.job("old"), nullptr);
}

TEST(PartitionGrid, OneCellPerPartitionUpToTheCap) {
  PartitionGrid grid(5, 4096);
  const uint8_t states[] = {0, 1, 2, 3, 4};
  for (uint32_t i = 0; i < 5; ++i) grid.add(i, states[i], i < 3 ? 'm' : 'b');
  EXPECT_EQ(grid.per_cell(), 1u);
  EXPECT_EQ(grid.states(), "01234");
  EXPECT_EQ(grid.stages(), "mmmbb");
}

TEST(PartitionGrid, AboveTheCapEachCellShowsTheLeastAdvancedStateOfItsRun) {
  PartitionGrid grid(10, 4);  // 3 per cell: [0,3) [3,6) [6,9) [9,10)
  const uint8_t states[] = {4, 4, 4, 4, 1, 4, 3, 2, 3, 0};
  for (uint32_t i = 0; i < 10; ++i) grid.add(i, states[i], 'r');
  EXPECT_EQ(grid.per_cell(), 3u);
  EXPECT_EQ(grid.states(), "4120");
}

TEST(PartitionGrid, AMillionPartitionsFitTheCap) {
  PartitionGrid grid(1'000'000);
  for (uint32_t i = 0; i < 1'000'000; ++i) grid.add(i, i == 999'999 ? 1 : 4, 'r');
  EXPECT_LE(grid.states().size(), PartitionGrid::kCellsMax);
  EXPECT_EQ(grid.states().back(), '1');
  EXPECT_EQ(grid.states().front(), '4');
}

}  // namespace
}  // namespace sluice
