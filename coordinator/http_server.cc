#include "coordinator/http_server.h"

#include <httplib.h>

#include <chrono>

#include "coordinator/dashboard_html.h"
#include "coordinator/rejects_view.h"

namespace sluice {

Result<std::unique_ptr<HttpServer>> HttpServer::start(const std::string& address,
                                                      const StatusBoard& board) {
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos) return invalid_argument("--http wants HOST:PORT, got " + address);
  const std::string host = address.substr(0, colon);
  int port = 0;
  try {
    port = std::stoi(address.substr(colon + 1));
  } catch (const std::exception&) {
    return invalid_argument("--http wants HOST:PORT, got " + address);
  }
  std::unique_ptr<HttpServer> http(new HttpServer());
  http->server_ = std::make_unique<httplib::Server>();
  httplib::Server& server = *http->server_;
  server.Get("/healthz", [](const httplib::Request&, httplib::Response& response) {
    response.set_content("ok\n", "text/plain");
  });
  server.Get("/readyz", [&board](const httplib::Request&, httplib::Response& response) {
    const bool ready = board.read()->ready;
    response.status = ready ? 200 : 503;
    response.set_content(ready ? "ready\n" : "not ready\n", "text/plain");
  });
  server.Get("/metrics", [&board](const httplib::Request&, httplib::Response& response) {
    response.set_content(board.read()->metrics_text, "text/plain; version=0.0.4");
  });
  server.Get("/api/jobs", [&board](const httplib::Request&, httplib::Response& response) {
    response.set_content(board.read()->jobs_json, "application/json");
  });
  server.Get(R"(/api/jobs/([0-9a-f]+))",
             [&board](const httplib::Request& request, httplib::Response& response) {
               const auto snapshot = board.read();
               auto it = snapshot->job_json.find(request.matches[1]);
               if (it == snapshot->job_json.end()) {
                 response.status = 404;
                 response.set_content(R"({"error":"no such job"})", "application/json");
                 return;
               }
               response.set_content(it->second, "application/json");
             });
  // Read here, on the HTTP thread, at most RejectsLimits of the files.
  server.Get(R"(/api/jobs/([0-9a-f]+)/rejects)",
             [&board](const httplib::Request& request, httplib::Response& response) {
               const auto snapshot = board.read();
               auto it = snapshot->job_output_dir.find(request.matches[1]);
               if (it == snapshot->job_output_dir.end()) {
                 response.status = 404;
                 response.set_content(R"({"error":"no such job"})", "application/json");
                 return;
               }
               response.set_content(read_rejects_json(it->second), "application/json");
             });
  server.Get("/api/workers", [&board](const httplib::Request&, httplib::Response& response) {
    response.set_content(board.read()->workers_json, "application/json");
  });
  server.Get("/", [page = dashboard_html()](const httplib::Request&, httplib::Response& response) {
    response.set_content(page, "text/html; charset=utf-8");
  });
  if (port == 0) {
    http->port_ = server.bind_to_any_port(host);
  } else {
    http->port_ = server.bind_to_port(host, port) ? port : -1;
  }
  if (http->port_ <= 0) return Status(StatusCode::kUnavailable, "cannot listen on http " + address);
  http->thread_ = std::thread([&server] { server.listen_after_bind(); });
  // httplib's stop() does nothing to a server not yet listening, which
  // would then accept forever: a run stopped at once (a SIGTERM in its
  // first moments) hung joining this thread. Return once it listens.
  for (int waited_ms = 0; !server.is_running() && waited_ms < 5000; waited_ms += 1) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return http;
}

HttpServer::~HttpServer() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace sluice
