#pragma once
// Protocol bugs planted on purpose for the deterministic simulation's own
// test (tests/sim/), which must catch each one. All off unless that test
// turns one on: no flag, option, job field or environment variable of the
// product reaches them.

namespace sluice {

struct PlantedBugs {
  // Scheduler::on_done accepts a Done from an attempt that no longer holds
  // its lease (it expired, or the coordinator restarted since).
  bool accept_done_without_lease = false;
  // CoordinatorCore::on_done renames a committed attempt into place at
  // once, before the round's WAL sync has made its commit durable.
  bool publish_before_sync = false;
  // Scheduler::on_map_output_lost sends the bucket task that found a map
  // output missing back to wait, but never runs that map task again.
  bool lost_map_output_forgotten = false;
  // Scheduler::on_done takes a late Done of a cancelled (or failed) job's
  // last lease as if the job still ran: it is committed and published.
  bool late_done_of_stopped_job = false;
  // publish_partition renames a part into place without fsyncing its
  // directory: the ledger then records it published while a power cut can
  // still undo the rename.
  bool publish_before_directory_sync = false;
};

inline PlantedBugs& planted_bugs() {
  static PlantedBugs bugs;
  return bugs;
}

}  // namespace sluice
