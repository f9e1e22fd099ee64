#include "common/io/record_reader.h"

namespace sluice {

RecordReader::~RecordReader() = default;

}  // namespace sluice
