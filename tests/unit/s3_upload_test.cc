// The multipart building blocks of exactly-once S3 output (common/s3/upload.h):
// the completed object's expected ETag, the ledger's JSON, and against a real
// s3rver behind the signature-checking proxy: an upload is invisible until
// completed, completing again is recognised, another object in its place is
// not mistaken for it, and failing requests are retried.
#include <gtest/gtest.h>

#include <random>

#include "common/s3/upload.h"
#include "tests/support/cluster.h"
#include "tests/support/s3_server.h"

namespace sluice {
namespace {

using testing::kS3TestBucket;
using testing::S3Faults;
using testing::S3Server;
using testing::TempDir;

TEST(S3Upload, ExpectedEtagIsTheMd5OfThePartsMd5s) {
  S3UploadRecord upload;
  upload.parts = {S3Part{1, "\"d41d8cd98f00b204e9800998ecf8427e\"", 0},
                  S3Part{2, "900150983cd24fb0d6963f7d28e17f72", 3}};
  EXPECT_EQ(upload.expected_etag(), "\"66027c6d92d43d01c4f2aa8759629be3-2\"");
  EXPECT_EQ(upload.size_bytes(), 3u);
  upload.parts.push_back(S3Part{3, "\"not-an-md5\"", 1});
  EXPECT_EQ(upload.expected_etag(), "");
}

TEST(S3Upload, RecordsRoundTripThroughJsonAndDamageIsAnError) {
  S3UploadRecord upload{
      "s3://b-1/p/part-00000.csv", "id/+=", {S3Part{1, "\"e1\"", 5}, S3Part{2, "\"e2\"", 7}}};
  auto back = upload_from_json(nlohmann::json::parse(upload_to_json(upload).dump()));
  ASSERT_TRUE(back.is_ok()) << back.status().message();
  EXPECT_EQ(back->url, upload.url);
  EXPECT_EQ(back->upload_id, upload.upload_id);
  ASSERT_EQ(back->parts.size(), 2u);
  EXPECT_EQ(back->parts[1].etag, "\"e2\"");
  EXPECT_EQ(back->parts[1].size_bytes, 7u);
  for (const char* bad :
       {"{}", "{\"url\": 1, \"upload_id\": \"x\", \"parts\": []}",
        "{\"url\": \"u\", \"upload_id\": \"x\", \"parts\": [{\"number\": -1}]}"}) {
    EXPECT_EQ(upload_from_json(nlohmann::json::parse(bad)).status().code(), StatusCode::kDataError)
        << bad;
  }
}

TEST(S3Upload, PartsStayWithinS3Limits) {
  EXPECT_EQ(s3_part_bytes(0), kS3PartBytesMin);
  EXPECT_EQ(s3_part_bytes(kS3PartBytesMin * kS3PartsMax), kS3PartBytesMin);
  const uint64_t huge = kS3PartBytesMin * kS3PartsMax * 3 + 17;
  const uint64_t part = s3_part_bytes(huge);
  EXPECT_GT(part, kS3PartBytesMin);
  EXPECT_LE((huge + part - 1) / part, kS3PartsMax);
}

class S3UploadServer : public ::testing::Test {
 protected:
  void start(S3Faults faults = {}) {
    server_ = std::make_unique<S3Server>(dir_ / "s3", faults);
    if (!server_->started()) GTEST_SKIP() << server_->error();
    auto client = server_->client(/*direct=*/false);
    ASSERT_TRUE(client.is_ok()) << client.status().message();
    client_ = std::move(client).value();
  }
  std::string url(const std::string& key) const {
    return std::string("s3://") + kS3TestBucket + "/" + key;
  }
  std::string random_file(const std::string& name, size_t size) {
    const uint64_t seed = testing::test_seed();
    std::mt19937_64 random(seed);
    std::string text(size, '\0');
    for (char& c : text) c = static_cast<char>('a' + random() % 26);
    testing::write_file(dir_ / name, text);
    return text;
  }

  TempDir dir_;
  std::unique_ptr<S3Server> server_;
  std::unique_ptr<S3Client> client_;
};

TEST_F(S3UploadServer, InvisibleUntilCompletedAndCompletingAgainIsRecognised) {
  start();
  if (!client_) return;
  const std::string text = random_file("part.csv", 350'000);
  auto upload = upload_file_parts(*client_, dir_ / "part.csv", url("out/part-00000.csv"), 100'000);
  ASSERT_TRUE(upload.is_ok()) << upload.status().message() << server_->proxy_log();
  ASSERT_EQ(upload->parts.size(), 4u);
  EXPECT_EQ(upload->size_bytes(), text.size());
  const S3Location location{kS3TestBucket, "out/part-00000.csv"};
  EXPECT_EQ(client_->head(location).status().code(), StatusCode::kNotFound);
  // The record as the ledger would keep it, read back (a coordinator restart).
  auto kept = upload_from_json(upload_to_json(*upload));
  ASSERT_TRUE(kept.is_ok());
  auto first = complete_upload_once(*client_, *kept);
  ASSERT_TRUE(first.is_ok()) << first.status().message();
  EXPECT_EQ(*first, CompleteOutcome::kCompleted);
  auto again = complete_upload_once(*client_, *kept);
  ASSERT_TRUE(again.is_ok()) << again.status().message();
  EXPECT_EQ(*again, CompleteOutcome::kAlreadyCompleted);
  auto object = client_->get_object(location);
  ASSERT_TRUE(object.is_ok());
  EXPECT_TRUE(*object == text);
  // An empty file is one empty part.
  testing::write_file(dir_ / "empty.csv", "");
  auto empty = upload_file_parts(*client_, dir_ / "empty.csv", url("out/empty.csv"));
  ASSERT_TRUE(empty.is_ok()) << empty.status().message();
  EXPECT_EQ(empty->parts.size(), 1u);
  ASSERT_TRUE(complete_upload_once(*client_, *empty).is_ok());
  EXPECT_EQ(client_->head({kS3TestBucket, "out/empty.csv"})->size_bytes, 0u);
}

TEST_F(S3UploadServer, AnotherObjectInItsPlaceIsNotTakenForTheUpload) {
  start();
  if (!client_) return;
  random_file("part.csv", 1000);
  auto upload = upload_file_parts(*client_, dir_ / "part.csv", url("out/part-00001.csv"), 400);
  ASSERT_TRUE(upload.is_ok()) << upload.status().message();
  ASSERT_TRUE(client_->put({kS3TestBucket, "out/part-00001.csv"}, "someone else's").is_ok());
  S3UploadRecord gone = *upload;
  gone.upload_id = "no-such-upload";
  auto completed = complete_upload_once(*client_, gone);
  ASSERT_FALSE(completed.is_ok());
  EXPECT_NE(completed.status().message().find("not this upload's"), std::string::npos)
      << completed.status().message();
  EXPECT_TRUE(abort_upload_quietly(*client_, *upload).is_ok());
}

TEST_F(S3UploadServer, FailingRequestsAreRetriedToTheSameObject) {
  S3Faults faults;
  faults.fail_every = 3;
  faults.drop_every = 5;
  start(faults);
  if (!client_) return;
  const std::string text = random_file("part.csv", 200'000);
  auto upload = upload_file_parts(*client_, dir_ / "part.csv", url("flaky/part.csv"), 30'000);
  ASSERT_TRUE(upload.is_ok()) << upload.status().message();
  auto completed = complete_upload_once(*client_, *upload);
  ASSERT_TRUE(completed.is_ok()) << completed.status().message();
  auto object = client_->get_object({kS3TestBucket, "flaky/part.csv"});
  ASSERT_TRUE(object.is_ok()) << object.status().message();
  EXPECT_TRUE(*object == text);
  EXPECT_NE(server_->request_log().find(" 503"), std::string::npos);
}

}  // namespace
}  // namespace sluice
