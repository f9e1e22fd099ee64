#pragma once
// A real S3-compatible server for the S3 tests: s3rver (npm, tests/s3/) on
// 127.0.0.1 behind tests/s3/s3_proxy.py, which checks every request's SigV4
// signature (s3rver itself does not) and can fail requests on purpose.
// Both run as the current user with their data and logs in a temporary
// directory, and are killed at destruction. The key pair is s3rver's
// default, S3RVER/S3RVER; credentials_file() holds it as an AWS
// shared-credentials file. Header-only.
//
// s3rver is installed by `npm install` in tests/s3 the first time (under a
// lock: tests run in parallel); without node and npm, started() is false and
// error() says why (the tests skip with it).

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/s3/client.h"
#include "tests/support/cluster.h"
#include "tests/support/loopback.h"

namespace sluice::testing {

struct S3Faults {
  int fail_every = 0;      // every Nth request answered 503 SlowDown
  int drop_every = 0;      // every Mth connection dropped unanswered
  std::string fail_match;  // requests whose target holds this ...
  int fail_count = 0;      // ... the first K of them answered 503
};

inline const char* kS3TestBucket = "sluice-test";

class S3Server {
 public:
  S3Server(const std::string& work, S3Faults faults = {}) : work_(work) {
    std::filesystem::create_directories(work + "/data");
    const std::string s3rver = install();
    if (s3rver.empty()) return;
    upstream_port_ = start_on_free_port(5, [&](int port) {
      server_ = std::make_unique<Process>(
          // The legacy provider: s3rver's continuation tokens use DES, which
          // OpenSSL 3 leaves out by default (listing pages would fail).
          std::vector<std::string>{"node", "--openssl-legacy-provider", s3rver, "-d",
                                   work + "/data", "-a", "127.0.0.1", "-p", std::to_string(port),
                                   "-s", "--configure-bucket", kS3TestBucket},
          work + "/s3rver.log");
      return wait_for_port(*server_, port);
    });
    if (upstream_port_ == 0) {
      error_ = "s3rver did not start: " + read_file(work + "/s3rver.log");
      return;
    }
    port_ = start_on_free_port(5, [&](int port) {
      std::vector<std::string> argv = {"python3",      source_dir() + "/tests/s3/s3_proxy.py",
                                       "--port",       std::to_string(port),
                                       "--upstream",   std::to_string(upstream_port_),
                                       "--secret",     "S3RVER:S3RVER",
                                       "--log",        work + "/requests.log",
                                       "--fail-every", std::to_string(faults.fail_every),
                                       "--drop-every", std::to_string(faults.drop_every),
                                       "--fail-count", std::to_string(faults.fail_count)};
      if (!faults.fail_match.empty()) {
        argv.push_back("--fail-match");
        argv.push_back(faults.fail_match);
      }
      proxy_ = std::make_unique<Process>(argv, work + "/proxy.log");
      return wait_for_port(*proxy_, port);
    });
    if (port_ == 0) {
      error_ = "the S3 proxy did not start: " + read_file(work + "/proxy.log");
      return;
    }
    write_file(credentials_file(),
               "[default]\naws_access_key_id = S3RVER\naws_secret_access_key = S3RVER\n");
    started_ = true;
  }

  bool started() const { return started_; }
  const std::string& error() const { return error_; }
  // The endpoint clients use (the checking proxy).
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // s3rver itself, unchecked and never failing (for a test's own setup).
  std::string direct_endpoint() const {
    return "http://127.0.0.1:" + std::to_string(upstream_port_);
  }
  std::string credentials_file() const { return work_ + "/credentials"; }
  // A client of this server for a test's own requests: `direct` past the
  // checking (and failing) proxy, else through it.
  Result<std::unique_ptr<S3Client>> client(bool direct) const {
    S3Options options;
    options.endpoint = direct ? direct_endpoint() : endpoint();
    options.credentials_file = credentials_file();
    SLUICE_ASSIGN_OR_RETURN(S3Settings settings, resolve_s3_settings(options));
    return S3Client::create(settings);
  }
  // "METHOD target status" per request the proxy saw.
  std::string request_log() const { return read_file(work_ + "/requests.log"); }
  // What the proxy reported (signature mismatches, with the canonical request).
  std::string proxy_log() const { return read_file(work_ + "/proxy.log"); }
  // The `s3:` block of a job file for this server (indented by `indent`).
  std::string job_options(const std::string& indent) const {
    return indent + "s3:\n" + indent + "  endpoint: " + endpoint() + "\n" + indent +
           "  credentials_file: " + credentials_file() + "\n";
  }

 private:
  // The s3rver script, installing it with npm the first time; "" (with
  // error_) when node or npm is missing or the install fails.
  std::string install() {
    const std::string dir = source_dir() + "/tests/s3";
    const std::string script = dir + "/node_modules/s3rver/bin/s3rver.js";
    if (::access(script.c_str(), R_OK) == 0) return script;
    if (run({"sh", "-c", "command -v node && command -v npm"}).exit_code != 0) {
      error_ = "node and npm are needed for the S3 tests (apt-get install nodejs npm)";
      return "";
    }
    CommandResult installed = run({"flock", dir + "/.npm-install.lock", "npm", "install",
                                   "--no-audit", "--no-fund", "--loglevel=error"},
                                  dir);
    if (::access(script.c_str(), R_OK) != 0) {
      error_ = "npm install in tests/s3 failed: " + installed.err;
      return "";
    }
    return script;
  }

  static bool wait_for_port(Process& process, int port) {
    for (int wait = 0; wait < 200; ++wait) {
      if (port_accepts(port)) return true;
      if (!process.running()) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  std::string work_;
  std::string error_;
  int upstream_port_ = 0;
  int port_ = 0;
  bool started_ = false;
  std::unique_ptr<Process> server_;
  std::unique_ptr<Process> proxy_;
};

}  // namespace sluice::testing
