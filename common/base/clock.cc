#include "common/base/clock.h"

#include <ctime>

namespace sluice {

int64_t unix_time_seconds() { return static_cast<int64_t>(std::time(nullptr)); }

}  // namespace sluice
