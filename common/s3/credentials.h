#pragma once
// S3 credentials: where they come from and the AWS shared-credentials file
// format. A secret never appears in a message or a log line: errors name the
// file and the profile, never a value.

#include <string>
#include <string_view>

#include "common/base/status.h"
#include "common/s3/location.h"

namespace sluice {

struct S3Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty unless temporary credentials
  std::string source;         // "the environment", "/path/file [profile]": for messages
};

// The `[profile]` section of a shared-credentials file's text
// (aws_access_key_id, aws_secret_access_key, aws_session_token; `#` and `;`
// comments; keys case-insensitive; spaces around '=' ignored). `name` is the
// file's path, for messages. kNotFound when the profile is not there,
// kInvalidArgument when it lacks a key or a line is not `key = value`.
Result<S3Credentials> parse_credentials_file(std::string_view text, const std::string& profile,
                                             const std::string& name);

// The credentials for a job, the first of:
//   1. settings.credentials_file (input.s3.credentials_file), its profile;
//   2. AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN);
//   3. AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials, when it exists.
// The profile is settings.profile, else AWS_PROFILE, else "default".
// kInvalidArgument saying what was looked at when there are none.
Result<S3Credentials> load_s3_credentials(const S3Settings& settings);

}  // namespace sluice
