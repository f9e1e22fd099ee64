#pragma once
// The operations surface (cpp-httplib): /healthz, /readyz, /metrics,
// /api/jobs, /api/jobs/ID and a dashboard at /. Serves snapshots from the
// StatusBoard on its own threads.

#include <memory>
#include <string>
#include <thread>

#include "common/base/status.h"
#include "coordinator/status_board.h"

namespace httplib {
class Server;
}

namespace sluice {

class HttpServer {
 public:
  // `address` is HOST:PORT (PORT 0: any free port).
  static Result<std::unique_ptr<HttpServer>> start(const std::string& address,
                                                   const StatusBoard& board);
  ~HttpServer();
  int port() const { return port_; }

 private:
  HttpServer() = default;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace sluice
