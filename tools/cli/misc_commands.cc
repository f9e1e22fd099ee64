// `sluice keygen` and `sluice gen`.
#include <fmt/format.h>
#include <sys/stat.h>

#include <fstream>

#include "proto/security.h"
#include "tools/cli/commands.h"
#include "tools/gen/parking_generator.h"
#include "tools/gen/registrations_generator.h"

namespace sluice {

int keygen_command(const std::string& prefix) {
  auto keys = proto::generate_key_pair();
  if (!keys.is_ok()) {
    fmt::print(stderr, "sluice: {}\n", keys.status().message());
    return kExitJobFailed;
  }
  const std::string secret_path = prefix + ".key";
  const std::string public_path = prefix + ".pub";
  {
    const mode_t old_mask = ::umask(077);
    std::ofstream secret(secret_path, std::ios::trunc);
    ::umask(old_mask);
    if (!secret) {
      fmt::print(stderr, "sluice: cannot write {}\n", secret_path);
      return kExitJobFailed;
    }
    secret << keys->secret_z85 << '\n';
  }
  ::chmod(secret_path.c_str(), 0600);
  std::ofstream public_file(public_path, std::ios::trunc);
  if (!public_file) {
    fmt::print(stderr, "sluice: cannot write {}\n", public_path);
    return kExitJobFailed;
  }
  public_file << keys->public_z85 << '\n';
  fmt::print("{}\n{}\n", secret_path, public_path);
  return kExitOk;
}

int gen_command(const GenFlags& flags) {
  Status status;
  if (flags.dataset == "parking") {
    gen::ParkingOptions options;
    options.rows = flags.rows;
    options.seed = flags.seed;
    options.multiline_rate = flags.multiline_rate;
    status = gen::write_parking_csv(flags.out, options);
  } else if (flags.dataset == "registrations") {
    if (flags.multiline_rate != 0.0) {
      fmt::print(stderr, "sluice: --multiline-rate is for the parking dataset\n");
      return kExitUsage;
    }
    gen::RegistrationsOptions options;
    options.rows = flags.rows;
    options.seed = flags.seed;
    status = gen::write_registrations_csv(flags.out, options);
  } else {
    fmt::print(stderr, "sluice: unknown dataset '{}' (known: parking, registrations)\n",
               flags.dataset);
    return kExitUsage;
  }
  if (!status.is_ok()) {
    fmt::print(stderr, "sluice: {}\n", status.message());
    return status.code() == StatusCode::kInvalidArgument ? kExitUsage : kExitJobFailed;
  }
  return kExitOk;
}

}  // namespace sluice
