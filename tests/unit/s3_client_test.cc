// S3Client and S3Source against a real s3rver on loopback, behind the proxy
// that checks every SigV4 signature (tests/support/s3_server.h).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <random>

#include "common/job/inputs.h"
#include "common/s3/client.h"
#include "common/s3/s3_source.h"
#include "tests/support/cluster.h"
#include "tests/support/s3_server.h"

namespace sluice {
namespace {

using testing::kS3TestBucket;
using testing::S3Faults;
using testing::S3Server;
using testing::TempDir;

std::string random_bytes(uint64_t seed, size_t size) {
  std::mt19937_64 random(seed);
  std::string text(size, '\0');
  for (char& c : text) c = static_cast<char>(random());
  return text;
}

class S3ClientTest : public ::testing::Test {
 protected:
  void start(S3Faults faults = {}) {
    server_ = std::make_unique<S3Server>(dir_.path(), faults);
    if (!server_->started()) GTEST_SKIP() << server_->error();
    options_.endpoint = server_->endpoint();
    options_.credentials_file = server_->credentials_file();
    auto settings = resolve_s3_settings(options_);
    ASSERT_TRUE(settings.is_ok()) << settings.status().message();
    auto client = S3Client::create(*settings);
    ASSERT_TRUE(client.is_ok()) << client.status().message();
    client_ = std::move(client).value();
  }
  S3Location at(const std::string& key) const { return S3Location{kS3TestBucket, key}; }

  TempDir dir_;
  std::unique_ptr<S3Server> server_;
  S3Options options_;
  std::unique_ptr<S3Client> client_;
};

TEST_F(S3ClientTest, PutHeadAndRangedGetsAreSignedAndExact) {
  start();
  if (!client_) return;
  const uint64_t seed = testing::test_seed();
  const std::string body = random_bytes(seed, 300'000);
  // A key needing encoding: space, '+', '=', '&', UTF-8.
  const S3Location location = at("dir/a b+c=d&\xc3\xa9.bin");
  auto etag = client_->put(location, body);
  ASSERT_TRUE(etag.is_ok()) << etag.status().message() << "\n" << server_->proxy_log();
  auto object = client_->head(location);
  ASSERT_TRUE(object.is_ok()) << object.status().message();
  EXPECT_EQ(object->size_bytes, body.size());
  EXPECT_EQ(object->etag, *etag);
  std::mt19937_64 random(seed);
  for (int i = 0; i < 20; ++i) {
    const uint64_t offset = random() % body.size();
    const size_t length = 1 + random() % std::min<uint64_t>(70'000, body.size() - offset);
    std::string got(length, '\0');
    auto read = client_->get_range(location, offset, got.data(), length, object->etag);
    ASSERT_TRUE(read.is_ok()) << read.status().message();
    EXPECT_EQ(got, body.substr(offset, length)) << "offset=" << offset << " seed=" << seed;
  }
  EXPECT_EQ(client_->head(at("dir/missing")).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(server_->proxy_log().find("signature differs"), std::string::npos)
      << server_->proxy_log();
}

TEST_F(S3ClientTest, AWrongSecretIsRefusedAndNeverPrinted) {
  start();
  if (!client_) return;
  testing::write_file(dir_ / "wrong",
                      "[default]\naws_access_key_id = S3RVER\naws_secret_access_key = "
                      "NOT-THE-SECRET-xyzzy\n");
  S3Options options = options_;
  options.credentials_file = dir_ / "wrong";
  auto settings = resolve_s3_settings(options);
  ASSERT_TRUE(settings.is_ok());
  auto client = S3Client::create(*settings);
  ASSERT_TRUE(client.is_ok());
  auto put = client.value()->put(at("x"), "data");
  ASSERT_FALSE(put.is_ok());
  EXPECT_NE(put.status().message().find("HTTP 403"), std::string::npos) << put.status().message();
  EXPECT_NE(put.status().message().find("SignatureDoesNotMatch"), std::string::npos);
  EXPECT_EQ(put.status().message().find("xyzzy"), std::string::npos);
}

TEST_F(S3ClientTest, ASessionTokenIsSentAndSigned) {
  start();
  if (!client_) return;
  testing::write_file(dir_ / "temporary",
                      "[ci]\naws_access_key_id = S3RVER\naws_secret_access_key = S3RVER\n"
                      "aws_session_token = FwoGZXIvYXdzEBQaDtoken/with+chars==\n");
  S3Options options = options_;
  options.credentials_file = dir_ / "temporary";
  options.profile = "ci";
  auto settings = resolve_s3_settings(options);
  ASSERT_TRUE(settings.is_ok());
  auto client = S3Client::create(*settings);
  ASSERT_TRUE(client.is_ok()) << client.status().message();
  auto put = client.value()->put(at("with-token.csv"), "a\n1\n");
  ASSERT_TRUE(put.is_ok()) << put.status().message() << server_->proxy_log();
  EXPECT_NE(server_->request_log().find("PUT /sluice-test/with-token.csv 200 token"),
            std::string::npos)
      << server_->request_log();
}

TEST_F(S3ClientTest, ListFollowsPagesAndGlobsMatchKeys) {
  start();
  if (!client_) return;
  for (int i = 0; i < 23; ++i) {
    ASSERT_TRUE(client_->put(at(fmt::format("in/f{:02}.csv", i)), "a\n1\n").is_ok());
  }
  ASSERT_TRUE(client_->put(at("in/notes.txt"), "x").is_ok());
  ASSERT_TRUE(client_->put(at("in/_SUCCESS"), "").is_ok());
  ASSERT_TRUE(client_->put(at("in/deeper/f99.csv"), "a\n1\n").is_ok());
  auto listed = client_->list(kS3TestBucket, "in/", 5);
  ASSERT_TRUE(listed.is_ok()) << listed.status().message();
  EXPECT_EQ(listed->size(), 26u);
  EXPECT_NE(server_->request_log().find("continuation-token"), std::string::npos);

  auto glob = resolve_inputs({std::string("s3://") + kS3TestBucket + "/in/f1*.csv"}, "/", options_);
  ASSERT_TRUE(glob.is_ok()) << glob.status().message();
  ASSERT_EQ(glob->size(), 10u);  // f10..f19, not deeper/
  EXPECT_EQ(glob->front().path, std::string("s3://") + kS3TestBucket + "/in/f10.csv");
  EXPECT_EQ(glob->front().size_bytes, 4u);
  EXPECT_NE(glob->front().mtime_ns, 0);
  // A prefix is a directory: its objects one level down, not _SUCCESS.
  auto prefix = resolve_inputs({std::string("s3://") + kS3TestBucket + "/in"}, "/", options_);
  ASSERT_TRUE(prefix.is_ok()) << prefix.status().message();
  EXPECT_EQ(prefix->size(), 24u);
  auto none =
      resolve_inputs({std::string("s3://") + kS3TestBucket + "/in/*.parquet"}, "/", options_);
  EXPECT_EQ(none.status().code(), StatusCode::kNotFound);
  EXPECT_NE(none.status().message().find("matches no object"), std::string::npos);
}

TEST_F(S3ClientTest, MultipartUploadCompletesOnceAndAbortsCleanly) {
  start();
  if (!client_) return;
  const std::string body = random_bytes(7, (kS3PartBytesMin + 1000));
  testing::write_file(dir_ / "part", body);
  const int fd = ::open((dir_ / "part").c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  const S3Location location = at("out/part-00000.csv");
  auto upload = client_->create_upload(location);
  ASSERT_TRUE(upload.is_ok()) << upload.status().message();
  std::vector<S3Part> parts;
  for (uint32_t number = 1; number <= 2; ++number) {
    const uint64_t offset = (number - 1) * kS3PartBytesMin;
    const uint64_t length = number == 1 ? kS3PartBytesMin : 1000;
    auto etag = client_->upload_part(location, *upload, number, fd, offset, length);
    ASSERT_TRUE(etag.is_ok()) << etag.status().message();
    parts.push_back(S3Part{number, *etag, length});
  }
  ::close(fd);
  // Not visible before completion.
  EXPECT_EQ(client_->head(location).status().code(), StatusCode::kNotFound);
  auto completed = client_->complete_upload(location, *upload, parts);
  ASSERT_TRUE(completed.is_ok()) << completed.status().message();
  auto whole = client_->get_object(location);
  ASSERT_TRUE(whole.is_ok());
  EXPECT_TRUE(*whole == body);
  // Completing again fails: the upload is gone (S3 says NoSuchUpload, s3rver
  // an InternalError); a caller tells "done before" by the object.
  EXPECT_FALSE(client_->complete_upload(location, *upload, parts).is_ok());
  auto object = client_->head(location);
  ASSERT_TRUE(object.is_ok());
  EXPECT_EQ(object->size_bytes, body.size());
  auto other = client_->create_upload(at("out/abandoned.csv"));
  ASSERT_TRUE(other.is_ok());
  Status aborted = client_->abort_upload(at("out/abandoned.csv"), *other);
  // s3rver does not implement abort: reported as kUnavailable, not success.
  EXPECT_TRUE(aborted.is_ok() || aborted.code() == StatusCode::kUnavailable) << aborted.message();
  EXPECT_EQ(client_->head(at("out/abandoned.csv")).status().code(), StatusCode::kNotFound);
}

TEST_F(S3ClientTest, RetriesFailedAndDroppedRequests) {
  S3Faults faults;
  faults.fail_every = 3;
  faults.drop_every = 7;
  start(faults);
  if (!client_) return;
  const std::string body = random_bytes(11, 100'000);
  ASSERT_TRUE(client_->put(at("flaky.bin"), body).is_ok());
  auto source = open_input_source(std::string("s3://") + kS3TestBucket + "/flaky.bin", options_);
  ASSERT_TRUE(source.is_ok()) << source.status().message();
  std::string got(body.size(), '\0');
  for (size_t offset = 0; offset < body.size(); offset += 4096) {
    const size_t length = std::min<size_t>(4096, body.size() - offset);
    auto read = source.value()->read_at(offset, got.data() + offset, length);
    ASSERT_TRUE(read.is_ok()) << read.status().message();
    ASSERT_EQ(*read, length);
  }
  EXPECT_TRUE(got == body);
  const std::string log = server_->request_log();
  EXPECT_NE(log.find(" 503"), std::string::npos);
  EXPECT_NE(log.find("dropped"), std::string::npos);
}

TEST_F(S3ClientTest, AChangedObjectFailsTheReadNamingIt) {
  start();
  if (!client_) return;
  const std::string url = std::string("s3://") + kS3TestBucket + "/changing.csv";
  ASSERT_TRUE(client_->put(at("changing.csv"), "a,b\n1,2\n").is_ok());
  auto source = open_input_source(url, options_);
  ASSERT_TRUE(source.is_ok()) << source.status().message();
  auto before = stat_input(url, options_);
  ASSERT_TRUE(before.is_ok());
  ASSERT_TRUE(client_->put(at("changing.csv"), "a,b\n3,4\n").is_ok());  // same size
  char buffer[8];
  auto read = source.value()->read_at(0, buffer, sizeof(buffer));
  ASSERT_FALSE(read.is_ok());
  EXPECT_EQ(read.status().code(), StatusCode::kDataError);
  EXPECT_NE(read.status().message().find(url + " changed while the job ran"), std::string::npos)
      << read.status().message();
  auto after = stat_input(url, options_);
  ASSERT_TRUE(after.is_ok());
  EXPECT_EQ(after->size_bytes, before->size_bytes);
  EXPECT_NE(after->mtime_ns, before->mtime_ns);
}

}  // namespace
}  // namespace sluice
