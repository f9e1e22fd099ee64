// The pure parts of common/s3: s3:// URLs, request URLs and canonical
// queries, the settings' defaults, the shared-credentials file, and the
// minimal XML reader over real and damaged S3 answers.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <random>

#include "common/s3/credentials.h"
#include "common/s3/location.h"
#include "common/s3/xml.h"

namespace sluice {
namespace {

TEST(S3Url, ParsesBucketAndKey) {
  auto location = parse_s3_url("s3://my-bucket.data/dir/sub/file name.csv");
  ASSERT_TRUE(location.is_ok()) << location.status().message();
  EXPECT_EQ(location->bucket, "my-bucket.data");
  EXPECT_EQ(location->key, "dir/sub/file name.csv");
  EXPECT_EQ(s3_url(*location), "s3://my-bucket.data/dir/sub/file name.csv");
  auto root = parse_s3_url("s3://bucket");
  ASSERT_TRUE(root.is_ok());
  EXPECT_EQ(root->key, "");
  auto prefix = parse_s3_url("s3://bucket/dir/");
  ASSERT_TRUE(prefix.is_ok());
  EXPECT_EQ(prefix->key, "dir/");
}

TEST(S3Url, RefusesBadBucketsAndKeys) {
  for (const char* bad : {"s3://", "s3://ab/k", "s3://Upper/k", "s3://-bucket/k", "s3://bucket-/k",
                          "s3://bu_cket/k", "http://bucket/k", "s3:/bucket/k"}) {
    auto location = parse_s3_url(bad);
    EXPECT_FALSE(location.is_ok()) << bad;
    if (!location.is_ok()) {
      EXPECT_EQ(location.status().code(), StatusCode::kInvalidArgument) << bad;
    }
  }
  EXPECT_FALSE(parse_s3_url("s3://bucket/" + std::string(1025, 'k')).is_ok());
  EXPECT_FALSE(parse_s3_url(std::string("s3://bucket/a\nb")).is_ok());
  EXPECT_TRUE(parse_s3_url("s3://bucket/" + std::string(1024, 'k')).is_ok());
}

TEST(S3Url, EncodesAsSigV4Wants) {
  EXPECT_EQ(uri_encode("a b/c~d_e-f.g+h=i&j", true), "a%20b/c~d_e-f.g%2Bh%3Di%26j");
  EXPECT_EQ(uri_encode("a/b", false), "a%2Fb");
  EXPECT_EQ(uri_encode("\xc3\xa9", true), "%C3%A9");
  EXPECT_EQ(canonical_query({{"uploadId", "x/y"}, {"partNumber", "3"}}),
            "partNumber=3&uploadId=x%2Fy");
  EXPECT_EQ(canonical_query({{"uploads", ""}}), "uploads=");
  EXPECT_EQ(canonical_query({{"prefix", "a b"}, {"list-type", "2"}, {"continuation-token", "t=="}}),
            "continuation-token=t%3D%3D&list-type=2&prefix=a%20b");
}

TEST(S3Settings, CustomEndpointIsPathStyleAwsIsVirtualHosted) {
  ::unsetenv("AWS_ENDPOINT_URL_S3");
  ::unsetenv("AWS_ENDPOINT_URL");
  ::unsetenv("AWS_REGION");
  ::unsetenv("AWS_DEFAULT_REGION");
  S3Options options;
  options.endpoint = "http://127.0.0.1:9000/";
  auto custom = resolve_s3_settings(options);
  ASSERT_TRUE(custom.is_ok()) << custom.status().message();
  EXPECT_EQ(custom->endpoint, "http://127.0.0.1:9000");
  EXPECT_EQ(custom->region, "us-east-1");
  EXPECT_TRUE(custom->path_style);
  EXPECT_EQ(s3_request_url(*custom, {"bkt", "a b/c.csv"}, ""),
            "http://127.0.0.1:9000/bkt/a%20b/c.csv");
  EXPECT_EQ(s3_request_url(*custom, {"bkt", ""}, "list-type=2"),
            "http://127.0.0.1:9000/bkt?list-type=2");

  S3Options aws;
  aws.region = "eu-west-3";
  auto hosted = resolve_s3_settings(aws);
  ASSERT_TRUE(hosted.is_ok());
  EXPECT_FALSE(hosted->path_style);
  EXPECT_EQ(s3_request_url(*hosted, {"bkt", "k.csv"}, ""),
            "https://bkt.s3.eu-west-3.amazonaws.com/k.csv");
  // A bucket with dots stays path-style (TLS wildcards do not cover it).
  EXPECT_EQ(s3_request_url(*hosted, {"b.k.t", "k.csv"}, ""),
            "https://s3.eu-west-3.amazonaws.com/b.k.t/k.csv");

  S3Options bare;
  bare.endpoint = "minio.local:9000";
  auto https = resolve_s3_settings(bare);
  ASSERT_TRUE(https.is_ok());
  EXPECT_EQ(https->endpoint, "https://minio.local:9000");

  ::setenv("AWS_ENDPOINT_URL", "http://10.0.0.1:9000", 1);
  ::setenv("AWS_DEFAULT_REGION", "ap-south-1", 1);
  auto from_env = resolve_s3_settings(S3Options{});
  ::unsetenv("AWS_ENDPOINT_URL");
  ::unsetenv("AWS_DEFAULT_REGION");
  ASSERT_TRUE(from_env.is_ok());
  EXPECT_EQ(from_env->endpoint, "http://10.0.0.1:9000");
  EXPECT_EQ(from_env->region, "ap-south-1");
  EXPECT_TRUE(from_env->path_style);

  for (const char* bad : {"ftp://host", "http://host/path", "http://"}) {
    S3Options wrong;
    wrong.endpoint = bad;
    EXPECT_FALSE(resolve_s3_settings(wrong).is_ok()) << bad;
  }
  S3Options bad_region;
  bad_region.region = "us east";
  EXPECT_FALSE(resolve_s3_settings(bad_region).is_ok());
}

TEST(S3Credentials, ReadsTheProfileOfASharedCredentialsFile) {
  const std::string text =
      "# comment\n[default]\naws_access_key_id = AKIADEFAULT\naws_secret_access_key=s3cr3t\n\n"
      "; another\n[profile ci]\n  AWS_ACCESS_KEY_ID  =  AKIACI \naws_secret_access_key = "
      "ci/Secret+\n"
      "aws_session_token = tok\nregion = us-west-2\n";
  auto fallback = parse_credentials_file(text, "default", "/f");
  ASSERT_TRUE(fallback.is_ok()) << fallback.status().message();
  EXPECT_EQ(fallback->access_key_id, "AKIADEFAULT");
  EXPECT_EQ(fallback->secret_access_key, "s3cr3t");
  EXPECT_EQ(fallback->session_token, "");
  auto ci = parse_credentials_file(text, "ci", "/f");
  ASSERT_TRUE(ci.is_ok()) << ci.status().message();
  EXPECT_EQ(ci->access_key_id, "AKIACI");
  EXPECT_EQ(ci->secret_access_key, "ci/Secret+");
  EXPECT_EQ(ci->session_token, "tok");
  EXPECT_EQ(ci->source, "/f [ci]");
}

TEST(S3Credentials, ErrorsNameTheFileNeverASecret) {
  auto missing = parse_credentials_file("[default]\naws_access_key_id=A\naws_secret_access_key=B\n",
                                        "prod", "/creds");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("/creds has no profile [prod]"), std::string::npos);
  auto partial = parse_credentials_file("[default]\naws_access_key_id=A\n", "default", "/creds");
  EXPECT_EQ(partial.status().code(), StatusCode::kInvalidArgument);
  auto garbage = parse_credentials_file("[default]\nTOPSECRETVALUE\n", "default", "/creds");
  ASSERT_FALSE(garbage.is_ok());
  EXPECT_EQ(garbage.status().message().find("TOPSECRETVALUE"), std::string::npos);
  EXPECT_NE(garbage.status().message().find("line 2"), std::string::npos);
  EXPECT_FALSE(parse_credentials_file("[default\n", "default", "/c").is_ok());
}

TEST(S3Credentials, JobFileComesBeforeTheEnvironment) {
  const std::string path = ::testing::TempDir() + "/s3_credentials_test";
  FILE* file = std::fopen(path.c_str(), "w");
  ASSERT_NE(file, nullptr);
  std::fputs("[default]\naws_access_key_id=FROMFILE\naws_secret_access_key=x\n", file);
  std::fclose(file);
  ::setenv("AWS_ACCESS_KEY_ID", "FROMENV", 1);
  ::setenv("AWS_SECRET_ACCESS_KEY", "y", 1);
  S3Settings settings;
  settings.credentials_file = path;
  auto from_file = load_s3_credentials(settings);
  auto from_env = load_s3_credentials(S3Settings{});
  ::unsetenv("AWS_ACCESS_KEY_ID");
  ::unsetenv("AWS_SECRET_ACCESS_KEY");
  ASSERT_TRUE(from_file.is_ok()) << from_file.status().message();
  EXPECT_EQ(from_file->access_key_id, "FROMFILE");
  ASSERT_TRUE(from_env.is_ok()) << from_env.status().message();
  EXPECT_EQ(from_env->access_key_id, "FROMENV");
  EXPECT_EQ(from_env->source, "the environment");
  ::setenv("AWS_SHARED_CREDENTIALS_FILE", path.c_str(), 1);
  auto shared = load_s3_credentials(S3Settings{});
  ::setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials", 1);
  auto none = load_s3_credentials(S3Settings{});
  ::unsetenv("AWS_SHARED_CREDENTIALS_FILE");
  ASSERT_TRUE(shared.is_ok());
  EXPECT_EQ(shared->access_key_id, "FROMFILE");
  EXPECT_EQ(none.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(none.status().message().find("no S3 credentials"), std::string::npos);
}

TEST(S3Xml, ReadsAListingPage) {
  const std::string page =
      R"(<?xml version="1.0" encoding="UTF-8"?>)"
      R"(<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>bkt</Name>)"
      R"(<Prefix>a/</Prefix><KeyCount>2</KeyCount><MaxKeys>2</MaxKeys><IsTruncated>true</IsTruncated>)"
      R"(<Contents><Key>a/x&amp;y.csv</Key><ETag>&quot;abc&quot;</ETag><Size>10</Size></Contents>)"
      R"(<Contents><Key>a/&#233;&#x4e2d;.csv</Key><ETag>"def"</ETag><Size>0</Size></Contents>)"
      R"(<NextContinuationToken>tok/1==</NextContinuationToken><Owner/></ListBucketResult>)";
  auto contents = xml_elements(page, "Contents");
  ASSERT_TRUE(contents.is_ok()) << contents.status().message();
  ASSERT_EQ(contents->size(), 2u);
  auto key = xml_first_text((*contents)[0], "Key");
  ASSERT_TRUE(key.is_ok());
  EXPECT_EQ(**key, "a/x&y.csv");
  EXPECT_EQ(**xml_first_text((*contents)[0], "ETag"), "\"abc\"");
  EXPECT_EQ(**xml_first_text((*contents)[1], "Key"), "a/\xc3\xa9\xe4\xb8\xad.csv");
  EXPECT_EQ(**xml_first_text(page, "KeyCount"), "2");  // <Key> never matches <KeyCount>
  EXPECT_EQ(**xml_first_text(page, "NextContinuationToken"), "tok/1==");
  EXPECT_EQ(**xml_first_text(page, "Owner"), "");
  EXPECT_FALSE(xml_first_text(page, "Missing")->has_value());
}

TEST(S3Xml, DamagedAnswersAreClearErrors) {
  for (const char* bad : {"<Key>unclosed", "<Key", "<Key>a<b>c</Key>", "<Key>&bogus;</Key>",
                          "<Key>&#0;</Key>", "<Key>&#xD800;</Key>", "<Key>&#99999999999;</Key>",
                          "<Key>&amp</Key>", "<!DOCTYPE x [<!ENTITY e 'boom'>]><Key>&e;</Key>",
                          "<Key><![CDATA[x]]></Key>", "<Key><Key>nested</Key></Key>"}) {
    auto text = xml_first_text(bad, "Key");
    EXPECT_FALSE(text.is_ok()) << bad;
    if (!text.is_ok()) {
      EXPECT_EQ(text.status().code(), StatusCode::kDataError) << bad;
    }
  }
}

// Random bytes and random cuts of a real answer never crash the reader.
TEST(S3Xml, RandomInputNeverCrashes) {
  const uint64_t seed = std::random_device{}();
  std::printf("seed=%llu\n", static_cast<unsigned long long>(seed));
  std::mt19937_64 random(seed);
  const std::string page =
      "<ListBucketResult><Contents><Key>a&amp;b</Key><Size>1</Size></Contents>"
      "<IsTruncated>false</IsTruncated></ListBucketResult>";
  for (int round = 0; round < 2000; ++round) {
    std::string text = page.substr(0, random() % (page.size() + 1));
    for (int flips = static_cast<int>(random() % 4); flips > 0 && !text.empty(); --flips) {
      text[random() % text.size()] = "<>&;/#x"[random() % 7];
    }
    auto contents = xml_elements(text, "Contents");
    if (contents.is_ok()) {
      for (std::string_view entry : *contents) (void)xml_first_text(entry, "Key");
    }
    (void)xml_first_text(text, "IsTruncated");
  }
  auto whole = xml_elements(page, "Contents");
  ASSERT_TRUE(whole.is_ok());
  EXPECT_EQ(whole->size(), 1u) << "seed=" << seed;
}

}  // namespace
}  // namespace sluice
