#pragma once
// What a job says about an S3 store (input.s3, output.s3), as written;
// common/s3/location.h applies the environment's defaults.

#include <optional>
#include <string>

namespace sluice {

// What a job says about the store (input.s3 / output.s3), before the
// environment fills the blanks (resolve_s3_settings).
struct S3Options {
  std::string endpoint;          // "http://127.0.0.1:9000", "https://minio.local", "host:port"
  std::string region;            // "us-east-1"
  std::string credentials_file;  // an AWS shared-credentials file (INI), absolute
  std::string profile;           // its section; default AWS_PROFILE, else "default"
  // Addressing: true path-style (endpoint/bucket/key), false virtual-hosted
  // (bucket.endpoint/key). Default: path-style with a custom endpoint,
  // virtual-hosted on AWS.
  std::optional<bool> path_style;
};

}  // namespace sluice
