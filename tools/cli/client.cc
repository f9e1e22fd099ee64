#include "tools/cli/client.h"

#include <variant>

#include "proto/link.h"
#include "proto/security.h"

namespace sluice {

class CoordinatorClient::Impl {
 public:
  Impl(const std::string& endpoint, int64_t timeout_ms)
      : endpoint_(endpoint), timeout_ms_(timeout_ms) {}

  Status connect(const std::string& curve_secret, const std::string& coordinator_key) {
    proto::DialOptions options;
    SLUICE_ASSIGN_OR_RETURN(options.security,
                            proto::client_security(curve_secret, coordinator_key));
    SLUICE_ASSIGN_OR_RETURN(link_, proto::Link::dial(endpoint_, options));
    return Status::ok();
  }

  // Sends `request` and returns the first reply; an ErrorReply is an error.
  Result<proto::Message> call(const proto::Message& request) {
    Status sent = link_->send(request);
    if (!sent.is_ok()) {
      return Status(StatusCode::kUnavailable,
                    "cannot send to coordinator " + endpoint_ + ": " + sent.message());
    }
    std::optional<proto::Received> received;
    if (link_->poll(timeout_ms_)) received = link_->receive();
    if (!received) {
      return Status(StatusCode::kUnavailable, "no answer from coordinator " + endpoint_ +
                                                  " within " + std::to_string(timeout_ms_) + " ms");
    }
    if (!received->message.is_ok()) {
      return internal_error("malformed reply: " + received->message.status().message());
    }
    proto::Message reply = std::move(received->message).value();
    if (auto* error = std::get_if<proto::ErrorReply>(&reply))
      return invalid_argument(error->message);
    return reply;
  }

 private:
  std::string endpoint_;
  int64_t timeout_ms_;
  std::unique_ptr<proto::Link> link_;
};

namespace {

Result<StatusSnapshot> status_of(const proto::Message& reply) {
  if (const auto* status = std::get_if<proto::StatusReply>(&reply)) return *status;
  return internal_error("unexpected reply");
}

}  // namespace

CoordinatorClient::CoordinatorClient(const std::string& endpoint, const std::string& curve_secret,
                                     const std::string& coordinator_key, int64_t timeout_ms)
    : impl_(std::make_unique<Impl>(endpoint, timeout_ms)) {
  setup_ = impl_->connect(curve_secret, coordinator_key);
}

const Status& CoordinatorClient::setup_status() const { return setup_; }
CoordinatorClient::~CoordinatorClient() = default;

Result<SubmitResult> CoordinatorClient::submit(const std::string& spec_yaml,
                                               const std::string& spec_file,
                                               const std::string& base_dir) {
  SLUICE_RETURN_IF_ERROR(setup_);
  SLUICE_ASSIGN_OR_RETURN(proto::Message reply,
                          impl_->call(proto::SubmitJob{spec_yaml, spec_file, base_dir}));
  const auto* submitted = std::get_if<proto::SubmitReply>(&reply);
  if (submitted == nullptr) return internal_error("unexpected reply to submit");
  return SubmitResult{submitted->job_id, submitted->created, submitted->state};
}

Result<StatusSnapshot> CoordinatorClient::status(const std::string& job_id) {
  SLUICE_RETURN_IF_ERROR(setup_);
  SLUICE_ASSIGN_OR_RETURN(proto::Message reply, impl_->call(proto::StatusRequest{job_id}));
  return status_of(reply);
}

Result<StatusSnapshot> CoordinatorClient::cancel(const std::string& job_id) {
  SLUICE_RETURN_IF_ERROR(setup_);
  SLUICE_ASSIGN_OR_RETURN(proto::Message reply, impl_->call(proto::CancelJob{job_id}));
  return status_of(reply);
}

bool is_final_state(const std::string& state) {
  return state == "succeeded" || state == "failed" || state == "cancelled";
}

}  // namespace sluice
