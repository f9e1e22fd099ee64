#pragma once
// A real PostgreSQL server for a test: initdb in a fresh directory under
// /tmp, listening on 127.0.0.1 at a free port (tests/support/loopback.h;
// another port if that one was taken meanwhile) and on a Unix socket in that
// directory, with scram-sha-256 password authentication for TCP
// connections and trust for the socket (the superuser, used to load data).
// Stopped (immediate) and removed at destruction.
//
// initdb and postgres refuse to run as root: as root every server command
// runs as the `postgres` system user (runuser -u postgres --) and the
// directory is chowned to it. Header-only; used by the postgres tests.
//
// binaries_missing() says why there is no server to start (no initdb), so a
// test can GTEST_SKIP; any other failure is error(), and the test fails.

#include <glob.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "tests/support/cluster.h"
#include "tests/support/faults.h"
#include "tests/support/loopback.h"

namespace sluice::testing {

class PostgresServer {
 public:
  static constexpr const char* kUser = "sluice";
  static constexpr const char* kPassword = "s3cret-Pa55";
  static constexpr const char* kDatabase = "sluicedb";

  PostgresServer() {
    bin_dir_ = find_bin_dir();
    if (bin_dir_.empty()) {
      missing_ =
          "no PostgreSQL server binaries (initdb) under /usr/lib/postgresql/*/bin or "
          "$SLUICE_PG_BINDIR: apt-get install postgresql";
      return;
    }
    if (::geteuid() == 0 && ::getpwnam("postgres") == nullptr) {
      error_ = "running as root and there is no postgres system user to run the server as";
      return;
    }
    std::string pattern = "/tmp/sluice-pg-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
      error_ = "mkdtemp failed";
      return;
    }
    dir_ = pattern;
    if (::geteuid() == 0) {
      auto owned = shell("chown postgres: " + dir_ + " && chmod 0755 " + dir_);
      if (owned.exit_code != 0) {
        error_ = "chown: " + owned.err;
        return;
      }
    }
    auto initdb = run(as_server({bin_dir_ + "/initdb", "-D", dir_ + "/data", "-U", "postgres",
                                 "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync",
                                 "-E", "UTF8", "--locale=C"}));
    if (initdb.exit_code != 0) {
      error_ = "initdb failed: " + initdb.out + initdb.err;
      return;
    }
    CommandResult started;
    port_ = start_on_free_port(3, [&](int port) {
      const std::string options = "-c listen_addresses=127.0.0.1 -c port=" + std::to_string(port) +
                                  " -c unix_socket_directories=" + dir_ +
                                  " -c fsync=off -c max_connections=50";
      started = run(as_server({bin_dir_ + "/pg_ctl", "-D", dir_ + "/data", "-l",
                               dir_ + "/server.log", "-o", options, "-w", "-t", "60", "start"}));
      return started.exit_code == 0;
    });
    if (port_ == 0) {
      error_ = "pg_ctl start failed: " + started.out + started.err + "\n" + log();
      return;
    }
    running_ = true;
    auto role = psql("postgres",
                     std::string("CREATE ROLE ") + kUser + " LOGIN PASSWORD '" + kPassword + "'");
    auto database =
        psql("postgres", std::string("CREATE DATABASE ") + kDatabase + " OWNER " + kUser);
    if (role.exit_code != 0 || database.exit_code != 0) {
      error_ = "creating the role and database: " + role.err + database.err;
    }
  }

  ~PostgresServer() {
    if (running_) {
      run(as_server({bin_dir_ + "/pg_ctl", "-D", dir_ + "/data", "-m", "immediate", "-w", "stop"}));
    }
    if (!dir_.empty()) {
      std::error_code ignored;
      std::filesystem::remove_all(dir_, ignored);
    }
  }

  bool binaries_missing() const { return !missing_.empty(); }
  const std::string& missing() const { return missing_; }
  bool ok() const { return missing_.empty() && error_.empty(); }
  const std::string& error() const { return error_; }
  int port() const { return port_; }
  const std::string& bin_dir() const { return bin_dir_; }
  std::string log() const { return read_file(dir_ + "/server.log"); }

  // A dsn for TCP with password authentication (no password in it).
  std::string dsn() const {
    return "host=127.0.0.1 port=" + std::to_string(port_) + " dbname=" + kDatabase +
           " user=" + kUser;
  }

  // psql as the superuser over the Unix socket (trust), ON_ERROR_STOP,
  // unaligned tuples-only output.
  CommandResult psql(const std::string& database, const std::string& sql) const {
    return run(
        as_server({bin_dir_ + "/psql", "-X", "-q", "-h", dir_, "-p", std::to_string(port_), "-U",
                   "postgres", "-d", database, "-v", "ON_ERROR_STOP=1", "-At", "-c", sql}));
  }
  CommandResult psql(const std::string& sql) const { return psql(kDatabase, sql); }

  // The argv run as the server's user when we are root.
  std::vector<std::string> as_server(std::vector<std::string> argv) const {
    if (::geteuid() != 0) return argv;
    std::vector<std::string> wrapped = {"runuser", "-u", "postgres", "--"};
    wrapped.insert(wrapped.end(), argv.begin(), argv.end());
    return wrapped;
  }

 private:
  static std::string find_bin_dir() {
    if (const char* dir = std::getenv("SLUICE_PG_BINDIR")) {
      return std::filesystem::exists(std::string(dir) + "/initdb") ? dir : "";
    }
    glob_t matches{};
    std::vector<std::string> found;
    if (::glob("/usr/lib/postgresql/*/bin/initdb", 0, nullptr, &matches) == 0) {
      for (size_t i = 0; i < matches.gl_pathc; ++i) found.emplace_back(matches.gl_pathv[i]);
    }
    ::globfree(&matches);
    if (found.empty()) return "";
    // The newest major version: compare numerically (9.6 < 15).
    std::sort(found.begin(), found.end(), [](const std::string& a, const std::string& b) {
      auto major = [](const std::string& path) {
        return std::atof(path.substr(std::string("/usr/lib/postgresql/").size()).c_str());
      };
      return major(a) < major(b);
    });
    return std::filesystem::path(found.back()).parent_path().string();
  }

  std::string bin_dir_;
  std::string dir_;
  std::string missing_;
  std::string error_;
  int port_ = 0;
  bool running_ = false;
};

}  // namespace sluice::testing
