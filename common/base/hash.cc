#include "common/base/hash.h"

#include <fmt/format.h>
#include <xxhash.h>

namespace sluice {

uint64_t hash64(std::string_view bytes, uint64_t seed) {
  return XXH64(bytes.data(), bytes.size(), seed);
}

Hasher::Hasher() : state_(XXH64_createState()) {
  XXH64_reset(static_cast<XXH64_state_t*>(state_), 0);
}

Hasher::~Hasher() { XXH64_freeState(static_cast<XXH64_state_t*>(state_)); }

void Hasher::update(std::string_view bytes) {
  XXH64_update(static_cast<XXH64_state_t*>(state_), bytes.data(), bytes.size());
}

uint64_t Hasher::digest() const { return XXH64_digest(static_cast<XXH64_state_t*>(state_)); }

std::string hex64(uint64_t value) { return fmt::format("{:016x}", value); }

}  // namespace sluice
