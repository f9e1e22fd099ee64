#pragma once
// Fault injection for tests: `crash_point("commit")` kills the process with
// SIGKILL — no cleanup, like a power cut of the process — when the
// environment says SLUICE_CRASH_AT=commit (or commit:N for the Nth time the
// point is reached). Without the variable it costs one branch.

namespace sluice {

void crash_point(const char* name);

// The deterministic simulation (tests/sim/) sees every crash point: a hook
// set here is called first and may throw to stop the simulated coordinator
// there, as a crash would. The product never sets one.
using CrashPointHook = void (*)(const char* name);
void set_crash_point_hook(CrashPointHook hook);

}  // namespace sluice
