#pragma once
// Fault injection for tests: `crash_point("commit")` kills the process with
// SIGKILL — no cleanup, like a power cut of the process — when the
// environment says SLUICE_CRASH_AT=commit (or commit:N for the Nth time the
// point is reached). Without the variable it costs one branch.

namespace sluice {

void crash_point(const char* name);

}  // namespace sluice
