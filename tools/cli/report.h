#pragma once
// The one-line messages of the subcommands, and the checks of their
// endpoint flags, made before any socket exists.

#include <string>

#include "proto/endpoint.h"

namespace sluice {

// `sluice: MESSAGE` on stderr; under --log-format json, one JSON log line
// of the "sluice" logger instead (every line of stderr stays JSON).
void report_error(const std::string& message);
// The same at level info: what a person at a terminal is told.
void report_info(const std::string& message);

// Whether `value` of `--FLAG` is an endpoint for `use` (proto/endpoint.h).
// If not, reports `--FLAG 'VALUE': why` and the caller returns kExitUsage.
bool endpoint_flag_ok(const std::string& flag, const std::string& value, proto::EndpointUse use);
// The same for a HOST:PORT flag (--http).
bool host_port_flag_ok(const std::string& flag, const std::string& value, proto::EndpointUse use);

}  // namespace sluice
