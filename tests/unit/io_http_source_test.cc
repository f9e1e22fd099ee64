// HttpSource against a real nginx on loopback, and DecompressSource (gzip,
// zstd) over files and over HTTP.
#include <gtest/gtest.h>
#include <zlib.h>
#include <zstd.h>

#include <random>
#include <thread>

#include "common/csv/range_reader.h"
#include "common/io/decompress_source.h"
#include "common/io/http_source.h"
#include "common/job/inputs.h"
#include "tests/support/cluster.h"
#include "tests/unit/io_http_nginx.h"

namespace sluice {
namespace {

using testing::Nginx;
using testing::TempDir;

std::string random_text(uint64_t seed, size_t size) {
  std::mt19937_64 random(seed);
  std::string text;
  while (text.size() < size) {
    text += "row " + std::to_string(random() % 100000) + ",\"quoted, " + std::to_string(random()) +
            "\"\n";
  }
  text.resize(size);
  return text;
}

std::string gzip(const std::string& text) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&z, text.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

std::string zstd(const std::string& text) {
  std::string out(ZSTD_compressBound(text.size()), '\0');
  size_t size = ZSTD_compress(out.data(), out.size(), text.data(), text.size(), 3);
  EXPECT_FALSE(ZSTD_isError(size));
  out.resize(size);
  return out;
}

std::string read_all(ByteSource& source, size_t chunk) {
  std::string out;
  std::string buffer(chunk, '\0');
  for (;;) {
    auto got = source.read_at(out.size(), buffer.data(), buffer.size());
    EXPECT_TRUE(got.is_ok()) << got.status().message();
    if (!got.is_ok() || got.value() == 0) break;
    out.append(buffer.data(), got.value());
  }
  return out;
}

class HttpSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_ / "root");
    nginx_ = std::make_unique<Nginx>(dir_ / "root", dir_ / "nginx");
    if (!nginx_->started()) GTEST_SKIP() << "skipped: " << nginx_->error();
  }
  TempDir dir_;
  std::unique_ptr<Nginx> nginx_;
};

TEST_F(HttpSourceTest, RangeReadsGiveTheFileBytes) {
  const std::string text = random_text(testing::test_seed(), 300'000);
  testing::write_file(dir_ / "root/data.csv", text);
  auto source = HttpSource::open(nginx_->url("data.csv"));
  ASSERT_TRUE(source.is_ok()) << source.status().message();
  EXPECT_EQ(source.value()->size_bytes(), text.size());
  EXPECT_FALSE(source.value()->object().etag.empty());
  EXPECT_NE(source.value()->object().identity(), 0);
  EXPECT_EQ(read_all(*source.value(), 65536), text);
  std::string middle(1000, '\0');
  auto got = source.value()->read_at(123'456, middle.data(), middle.size());
  ASSERT_TRUE(got.is_ok());
  EXPECT_EQ(middle, text.substr(123'456, 1000));
  auto past = source.value()->read_at(text.size() + 5, middle.data(), middle.size());
  EXPECT_EQ(past.value(), 0u);
  EXPECT_GE(source.value()->requests(), 6u);
  // Every GET asked for a range (nginx logs 206 for each).
  EXPECT_NE(nginx_->access_log().find("\" 206 "), std::string::npos);
  EXPECT_EQ(nginx_->access_log().find("GET /data.csv HTTP/1.1\" 200 "), std::string::npos);
}

TEST_F(HttpSourceTest, StatOfUrlGivesSizeAndETagIdentity) {
  testing::write_file(dir_ / "root/a.csv", "x,y\n1,2\n");
  auto file = stat_input(nginx_->url("a.csv"));
  ASSERT_TRUE(file.is_ok()) << file.status().message();
  EXPECT_EQ(file->size_bytes, 8u);
  EXPECT_NE(file->mtime_ns, 0);
  auto resolved = resolve_inputs({nginx_->url("a.csv"), nginx_->url("a.csv")}, "/nowhere");
  ASSERT_TRUE(resolved.is_ok());
  ASSERT_EQ(resolved->size(), 1u);
  EXPECT_EQ(resolved->front().path, nginx_->url("a.csv"));

  auto missing = stat_input(nginx_->url("missing.csv"));
  ASSERT_FALSE(missing.is_ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("missing.csv"), std::string::npos);
}

TEST_F(HttpSourceTest, AChangedObjectFailsTheReadNamingTheUrl) {
  testing::write_file(dir_ / "root/c.csv", random_text(1, 10'000));
  auto source = HttpSource::open(nginx_->url("c.csv"));
  ASSERT_TRUE(source.is_ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // nginx's ETag has 1 s mtime
  testing::write_file(dir_ / "root/c.csv", random_text(2, 10'000));
  std::string buffer(100, '\0');
  auto got = source.value()->read_at(0, buffer.data(), buffer.size());
  ASSERT_FALSE(got.is_ok());
  EXPECT_EQ(got.status().code(), StatusCode::kDataError);
  EXPECT_NE(got.status().message().find(nginx_->url("c.csv")), std::string::npos)
      << got.status().message();
  EXPECT_NE(got.status().message().find("changed"), std::string::npos);
}

TEST_F(HttpSourceTest, ConnectionRefusedIsRetriedThenReported) {
  const std::string url = "http://127.0.0.1:" + std::to_string(testing::free_tcp_port()) + "/x";
  auto source = HttpSource::open(url);
  ASSERT_FALSE(source.is_ok());
  EXPECT_NE(source.status().message().find("after 4 attempts"), std::string::npos)
      << source.status().message();
}

TEST_F(HttpSourceTest, CompressedOverHttpReadsLikeThePlainFile) {
  const std::string text = "a,b\n" + random_text(9, 200'000);
  testing::write_file(dir_ / "root/data.csv", text);
  testing::write_file(dir_ / "root/data.csv.zst", zstd(text));
  testing::write_file(dir_ / "root/data.csv.gz", gzip(text));
  for (const std::string name : {"data.csv", "data.csv.gz", "data.csv.zst"}) {
    auto source = open_input_source(nginx_->url(name));
    ASSERT_TRUE(source.is_ok()) << source.status().message();
    EXPECT_EQ(source.value()->size_bytes(), text.size()) << name;
    EXPECT_EQ(read_all(*source.value(), 1 << 20), text) << name;
  }
}

// --- DecompressSource over files -------------------------------------------

TEST(DecompressSource, PresentsTheDecompressedBytesWithTheirSize) {
  TempDir dir;
  const std::string text = random_text(testing::test_seed(), 1'000'000);
  testing::write_file(dir / "t.csv.gz", gzip(text));
  testing::write_file(dir / "t.csv.zst", zstd(text));
  for (const std::string name : {"t.csv.gz", "t.csv.zst"}) {
    auto source = open_input_source(dir / name);
    ASSERT_TRUE(source.is_ok()) << source.status().message();
    EXPECT_EQ(source.value()->size_bytes(), text.size());
    EXPECT_EQ(read_all(*source.value(), 4096), text);
    // Forward jumps skip, backward jumps start again.
    std::mt19937_64 random(7);
    for (int i = 0; i < 20; ++i) {
      const uint64_t offset = random() % text.size();
      std::string buffer(static_cast<size_t>(random() % 5000), '\0');
      auto got = source.value()->read_at(offset, buffer.data(), buffer.size());
      ASSERT_TRUE(got.is_ok());
      buffer.resize(got.value());
      EXPECT_EQ(buffer, text.substr(offset, buffer.size())) << name << " offset=" << offset;
    }
  }
}

TEST(DecompressSource, ConcatenatedMembersAndFramesAreOneStream) {
  TempDir dir;
  testing::write_file(dir / "m.gz", gzip("a,b\n1,2\n") + gzip("3,4\n"));
  testing::write_file(dir / "m.zst", zstd("a,b\n1,2\n") + zstd("3,4\n"));
  testing::write_file(dir / "e.gz", "");
  for (const std::string name : {"m.gz", "m.zst"}) {
    auto source = open_input_source(dir / name);
    ASSERT_TRUE(source.is_ok()) << source.status().message();
    EXPECT_EQ(read_all(*source.value(), 3), "a,b\n1,2\n3,4\n");
  }
  auto empty = open_input_source(dir / "e.gz");
  ASSERT_TRUE(empty.is_ok());
  EXPECT_EQ(empty.value()->size_bytes(), 0u);
}

TEST(DecompressSource, TruncatedOrCorruptInputIsADataError) {
  TempDir dir;
  const std::string text = random_text(3, 100'000);
  const std::string gz = gzip(text);
  const std::string zs = zstd(text);
  testing::write_file(dir / "cut.gz", gz.substr(0, gz.size() / 2));
  testing::write_file(dir / "cut.zst", zs.substr(0, zs.size() / 2));
  testing::write_file(dir / "junk.gz", random_text(4, 5000));
  testing::write_file(dir / "junk.zst", random_text(5, 5000));
  for (const std::string name : {"cut.gz", "cut.zst", "junk.gz", "junk.zst"}) {
    auto source = open_input_source(dir / name);
    ASSERT_FALSE(source.is_ok()) << name;
    EXPECT_EQ(source.status().code(), StatusCode::kDataError) << name;
    EXPECT_NE(source.status().message().find(name), std::string::npos) << source.status().message();
  }
}

TEST(DecompressSource, CsvReaderReadsACompressedFileAsOneRange) {
  TempDir dir;
  std::string text = "a,b\n";
  for (int i = 0; i < 20000; ++i) text += std::to_string(i) + ",\"x\ny\"\n";
  testing::write_file(dir / "c.csv.zst", zstd(text));
  auto source = open_input_source(dir / "c.csv.zst");
  ASSERT_TRUE(source.is_ok());
  CsvRangeOptions options;
  options.end_offset = source.value()->size_bytes();
  options.expected_columns = 2;
  CsvRangeReader reader(*source.value(), options);
  RecordBatch batch;
  std::vector<RejectedRecord> rejects;
  uint64_t rows = 0;
  for (;;) {
    auto more = reader.next(batch, rejects);
    ASSERT_TRUE(more.is_ok()) << more.status().message();
    rows += batch.row_count;
    if (!more.value()) break;
  }
  EXPECT_EQ(rows, 20000u);
  EXPECT_TRUE(rejects.empty());
  EXPECT_EQ(reader.end_offset(), text.size());
  EXPECT_TRUE(is_compressed_input("/x/y.csv.gz"));
  EXPECT_TRUE(is_compressed_input("http://h/y.jsonl.zst?sig=1"));
  EXPECT_FALSE(is_compressed_input("/x/y.gz.csv"));
}

}  // namespace
}  // namespace sluice
