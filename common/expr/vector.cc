#include "common/expr/vector.h"

#include <algorithm>
#include <cstring>

namespace sluice::expr {

char* StringArena::allocate(size_t size) {
  if (chunk_ == nullptr || chunk_->capacity() - chunk_->size() < size) {
    // A fresh chunk; reserve() up front so its buffer never moves.
    chunk_ = &storage_->emplace_back();
    chunk_->reserve(std::max(size, kChunkBytes));
  }
  pending_ = chunk_->size();
  chunk_->resize(pending_ + size);
  return chunk_->data() + pending_;
}

std::string_view StringArena::commit(size_t size) {
  chunk_->resize(pending_ + size);
  return std::string_view(chunk_->data() + pending_, size);
}

std::string_view StringArena::copy(std::string_view text) {
  if (text.empty()) return std::string_view();
  char* out = allocate(text.size());
  std::memcpy(out, text.data(), text.size());
  return commit(text.size());
}

}  // namespace sluice::expr
