#pragma once
// An independent Parquet decoder for the writer's tests, written from the
// specification: thrift compact values as a generic tree, the RLE/bit-packed
// hybrid, and whole files (pages under none/snappy/zstd, PLAIN and dictionary
// values). Shared by tests/unit/parquet_writer_test.cc and
// tests/unit/parquet_encoding_test.cc.
#include <gtest/gtest.h>
#include <snappy.h>
#include <zstd.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::parquet {

// --- a tiny thrift compact decoder -----------------------------------------

struct Value {
  int type = 0;  // CompactType
  int64_t integer = 0;
  std::string binary;
  std::vector<Value> list;
  std::map<int, Value> fields;  // struct
  const Value& operator[](int id) const {
    auto found = fields.find(id);
    EXPECT_NE(found, fields.end()) << "field " << id;
    static const Value kEmpty;
    return found == fields.end() ? kEmpty : found->second;
  }
  bool has(int id) const { return fields.count(id) != 0; }
};

class Decoder {
 public:
  explicit Decoder(std::string_view data) : data_(data) {}
  size_t position = 0;

  uint64_t varint() {
    uint64_t value = 0;
    for (int shift = 0;; shift += 7) {
      const auto byte = static_cast<uint8_t>(data_.at(position++));
      value |= static_cast<uint64_t>(byte & 0x7F) << shift;
      if ((byte & 0x80) == 0) return value;
    }
  }
  int64_t zigzag() {
    const uint64_t raw = varint();
    return static_cast<int64_t>(raw >> 1) ^ -static_cast<int64_t>(raw & 1);
  }
  Value read(int type) {
    Value value;
    value.type = type;
    switch (type) {
      case 1:
      case 2:
        value.integer = type == 1;
        break;
      case 3:
        value.integer = static_cast<uint8_t>(data_.at(position++));
        break;
      case 4:
      case 5:
      case 6:
        value.integer = zigzag();
        break;
      case 8: {
        const uint64_t length = varint();
        value.binary = std::string(data_.substr(position, length));
        position += length;
        break;
      }
      case 9: {
        const auto header = static_cast<uint8_t>(data_.at(position++));
        uint64_t size = header >> 4;
        if (size == 15) size = varint();
        for (uint64_t i = 0; i < size; ++i) value.list.push_back(read(header & 0x0F));
        break;
      }
      case 12: {
        int last = 0;
        while (true) {
          const auto header = static_cast<uint8_t>(data_.at(position++));
          if (header == 0) break;
          const int id = (header >> 4) != 0 ? last + (header >> 4) : static_cast<int>(zigzag());
          value.fields[id] = read(header & 0x0F);
          last = id;
        }
        break;
      }
      default:
        ADD_FAILURE() << "type " << type;
    }
    return value;
  }

 private:
  std::string_view data_;
};

// --- the hybrid, decoded ----------------------------------------------------

inline std::vector<uint32_t> decode_hybrid(std::string_view data, int bit_width, size_t count) {
  std::vector<uint32_t> values;
  Decoder decoder(data);
  while (values.size() < count) {
    const uint64_t header = decoder.varint();
    if ((header & 1) == 0) {
      uint32_t value = 0;
      for (int i = 0; i < (bit_width + 7) / 8; ++i) {
        value |= static_cast<uint32_t>(static_cast<uint8_t>(data.at(decoder.position++)))
                 << (8 * i);
      }
      for (uint64_t i = 0; i < header >> 1; ++i) values.push_back(value);
    } else {
      const uint64_t total = (header >> 1) * 8;
      uint64_t bit = 0;
      for (uint64_t i = 0; i < total; ++i) {
        uint32_t value = 0;
        for (int b = 0; b < bit_width; ++b, ++bit) {
          const auto byte = static_cast<uint8_t>(data.at(decoder.position + bit / 8));
          value |= static_cast<uint32_t>((byte >> (bit % 8)) & 1) << b;
        }
        values.push_back(value);
      }
      decoder.position += total * bit_width / 8;
    }
  }
  EXPECT_EQ(decoder.position, data.size()) << "trailing bytes";
  values.resize(count);
  return values;
}

// --- a whole file, decoded --------------------------------------------------

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

struct DecodedFile {
  Value metadata;
  std::vector<std::string> names;
  std::vector<int> physical;
  // column -> rows, as text (NULL = nullopt): ints in decimal, doubles with
  // to_string, booleans 0/1, strings as is.
  std::vector<std::vector<std::optional<std::string>>> columns;
  std::vector<bool> dictionary_encoded;  // of the first row group's chunks
};

inline std::string decompress(int codec, std::string_view body, size_t plain_size) {
  if (codec == 0) return std::string(body);
  std::string out(plain_size, '\0');
  if (codec == 1) {
    EXPECT_TRUE(snappy::RawUncompress(body.data(), body.size(), out.data()));
  } else {
    EXPECT_EQ(codec, 6);
    EXPECT_EQ(ZSTD_decompress(out.data(), out.size(), body.data(), body.size()), plain_size);
  }
  return out;
}

inline std::string plain_text(int physical, std::string_view data, size_t& position) {
  auto fixed = [&](auto value) {
    std::memcpy(&value, data.data() + position, sizeof(value));
    position += sizeof(value);
    return value;
  };
  switch (physical) {
    case 1:
      return std::to_string(fixed(int32_t{}));
    case 2:
      return std::to_string(fixed(int64_t{}));
    case 5:
      return std::to_string(fixed(double{}));
    case 6: {
      const uint32_t length = fixed(uint32_t{});
      std::string text(data.substr(position, length));
      position += length;
      return text;
    }
  }
  ADD_FAILURE() << "physical " << physical;
  return {};
}

inline DecodedFile decode_file(const std::filesystem::path& path) {
  const std::string file = read_file(path);
  EXPECT_EQ(file.substr(0, 4), "PAR1");
  EXPECT_EQ(file.substr(file.size() - 4), "PAR1");
  uint32_t footer_bytes = 0;
  std::memcpy(&footer_bytes, file.data() + file.size() - 8, 4);
  Decoder footer(std::string_view(file).substr(file.size() - 8 - footer_bytes, footer_bytes));
  DecodedFile decoded;
  decoded.metadata = footer.read(12);
  EXPECT_EQ(footer.position, footer_bytes);
  const Value& schema = decoded.metadata[2];
  for (size_t i = 1; i < schema.list.size(); ++i) {
    decoded.names.push_back(schema.list[i][4].binary);
    decoded.physical.push_back(static_cast<int>(schema.list[i][1].integer));
  }
  decoded.columns.resize(decoded.names.size());
  int64_t rows_total = 0;
  for (const Value& group : decoded.metadata[4].list) {
    rows_total += group[3].integer;
    for (size_t c = 0; c < group[1].list.size(); ++c) {
      const Value& meta = group[1].list[c][3];
      const int physical = static_cast<int>(meta[1].integer);
      const int codec = static_cast<int>(meta[4].integer);
      EXPECT_EQ(physical, decoded.physical[c]);
      EXPECT_EQ(meta[3].list.at(0).binary, decoded.names[c]);
      size_t position = static_cast<size_t>(meta.has(11) ? meta[11].integer : meta[9].integer);
      if (&group == &decoded.metadata[4].list.front()) {
        decoded.dictionary_encoded.push_back(meta.has(11));
      }
      std::vector<std::string> dictionary;
      int64_t values_seen = 0;
      int64_t compressed_total = 0;
      const size_t chunk_start = position;
      while (values_seen < meta[5].integer) {
        Decoder header_decoder(std::string_view(file).substr(position));
        const Value header = header_decoder.read(12);
        position += header_decoder.position;
        const size_t compressed = static_cast<size_t>(header[3].integer);
        const std::string body =
            decompress(codec, std::string_view(file).substr(position, compressed),
                       static_cast<size_t>(header[2].integer));
        position += compressed;
        if (header[1].integer == 2) {  // dictionary page
          size_t at = 0;
          for (int64_t i = 0; i < header[7][1].integer; ++i) {
            dictionary.push_back(plain_text(physical, body, at));
          }
          EXPECT_EQ(at, body.size());
          continue;
        }
        const Value& data_header = header[5];
        const auto count = static_cast<size_t>(data_header[1].integer);
        uint32_t levels_bytes = 0;
        std::memcpy(&levels_bytes, body.data(), 4);
        const std::vector<uint32_t> levels =
            decode_hybrid(std::string_view(body).substr(4, levels_bytes), 1, count);
        size_t at = 4 + levels_bytes;
        size_t defined = 0;
        for (uint32_t level : levels) defined += level;
        std::vector<std::string> values;
        if (data_header[2].integer == 8) {
          const int width = static_cast<uint8_t>(body.at(at++));
          for (uint32_t index : decode_hybrid(std::string_view(body).substr(at), width, defined)) {
            values.push_back(dictionary.at(index));
          }
        } else if (physical == 0) {
          for (size_t i = 0; i < defined; ++i) {
            values.push_back(
                std::to_string((static_cast<uint8_t>(body.at(at + i / 8)) >> (i % 8)) & 1));
          }
        } else {
          for (size_t i = 0; i < defined; ++i) values.push_back(plain_text(physical, body, at));
          EXPECT_EQ(at, body.size());
        }
        size_t next = 0;
        for (uint32_t level : levels) {
          decoded.columns[c].push_back(level != 0 ? std::optional<std::string>(values[next++])
                                                  : std::nullopt);
        }
        values_seen += static_cast<int64_t>(count);
      }
      compressed_total = static_cast<int64_t>(position - chunk_start);
      EXPECT_EQ(compressed_total, meta[7].integer);
    }
  }
  EXPECT_EQ(rows_total, decoded.metadata[3].integer);
  return decoded;
}

}  // namespace sluice::parquet
