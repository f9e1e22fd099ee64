#include "tools/cli/client.h"

#include <kj/exception.h>

#include <zmq.hpp>

#include "proto/codec.h"
#include "proto/security.h"
#include "proto/socket.h"

namespace sluice {

using proto::to_string;

class CoordinatorClient::Impl {
 public:
  Impl(const std::string& endpoint, int64_t timeout_ms)
      : endpoint_(endpoint), timeout_ms_(timeout_ms), socket_(context_, zmq::socket_type::dealer) {}

  Status connect(const std::string& curve_secret, const std::string& coordinator_key) {
    SLUICE_ASSIGN_OR_RETURN(proto::ClientSecurity security,
                            proto::client_security(curve_secret, coordinator_key));
    try {
      proto::configure_socket(socket_);
      proto::apply_client_security(socket_, security);
    } catch (const zmq::error_t& error) {
      return invalid_argument(std::string("cannot set up the client socket: ") + error.what());
    }
    return proto::connect(socket_, endpoint_);
  }

  // Sends `request` and returns the first reply.
  Result<std::unique_ptr<proto::Decoded>> call(capnp::MallocMessageBuilder& request) {
    if (!proto::send(socket_, request)) {
      return Status(StatusCode::kUnavailable, "cannot send to coordinator " + endpoint_);
    }
    zmq::message_t frame;
    bool received = false;
    try {
      received = proto::poll_readable(socket_, timeout_ms_) &&
                 socket_.recv(frame, zmq::recv_flags::dontwait).has_value();
    } catch (const zmq::error_t& error) {
      return Status(StatusCode::kUnavailable,
                    "cannot receive from coordinator " + endpoint_ + ": " + error.what());
    }
    if (!received) {
      return Status(StatusCode::kUnavailable, "no answer from coordinator " + endpoint_ +
                                                  " within " + std::to_string(timeout_ms_) + " ms");
    }
    SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<proto::Decoded> decoded, proto::decode(frame));
    try {
      if (decoded->envelope().isErrorReply()) {
        return invalid_argument(to_string(decoded->envelope().getErrorReply().getMessage()));
      }
    } catch (const kj::Exception& error) {
      return internal_error(std::string("malformed reply: ") + error.getDescription().cStr());
    }
    return decoded;
  }

  Result<StatusSnapshot> read_status(proto::Decoded& decoded) {
    if (!decoded.envelope().isStatusReply()) return internal_error("unexpected reply");
    auto reply = decoded.envelope().getStatusReply();
    StatusSnapshot snapshot;
    snapshot.workers_connected = reply.getWorkersConnected();
    for (auto job : reply.getJobs()) {
      JobSnapshot item;
      item.job_id = to_string(job.getJobId());
      item.name = to_string(job.getName());
      item.state = to_string(job.getState());
      item.error = to_string(job.getError());
      item.output_path = to_string(job.getOutputPath());
      item.partitions_total = job.getPartitionsTotal();
      item.stages = proto::to_string(job.getStages());
      item.partitions_done = job.getPartitionsDone();
      item.rows_in = job.getRowsIn();
      item.rows_out = job.getRowsOut();
      item.rows_filtered = job.getRowsFiltered();
      item.rows_rejected = job.getRowsRejected();
      item.bytes_read = job.getBytesRead();
      item.bytes_total = job.getBytesTotal();
      item.elapsed_ms = job.getElapsedMs();
      snapshot.jobs.push_back(std::move(item));
    }
    return snapshot;
  }

 private:
  std::string endpoint_;
  int64_t timeout_ms_;
  zmq::context_t context_;
  zmq::socket_t socket_;
};

CoordinatorClient::CoordinatorClient(const std::string& endpoint, const std::string& curve_secret,
                                     const std::string& coordinator_key, int64_t timeout_ms) {
  try {
    impl_ = std::make_unique<Impl>(endpoint, timeout_ms);
  } catch (const zmq::error_t& error) {
    setup_ = Status(StatusCode::kUnavailable, std::string("cannot make a socket: ") + error.what());
    return;
  }
  setup_ = impl_->connect(curve_secret, coordinator_key);
}

const Status& CoordinatorClient::setup_status() const { return setup_; }
CoordinatorClient::~CoordinatorClient() = default;

Result<SubmitResult> CoordinatorClient::submit(const std::string& spec_yaml,
                                               const std::string& spec_file,
                                               const std::string& base_dir) {
  capnp::MallocMessageBuilder builder;
  auto request = builder.initRoot<proto::Envelope>().initSubmitJob();
  request.setSpecYaml(spec_yaml);
  request.setSpecFile(spec_file);
  request.setBaseDir(base_dir);
  SLUICE_RETURN_IF_ERROR(setup_);
  SLUICE_ASSIGN_OR_RETURN(auto decoded, impl_->call(builder));
  try {
    if (!decoded->envelope().isSubmitReply()) return internal_error("unexpected reply to submit");
    auto reply = decoded->envelope().getSubmitReply();
    return SubmitResult{to_string(reply.getJobId()), reply.getCreated(),
                        to_string(reply.getState())};
  } catch (const kj::Exception& error) {
    return internal_error(std::string("malformed reply: ") + error.getDescription().cStr());
  }
}

Result<StatusSnapshot> CoordinatorClient::status(const std::string& job_id) {
  capnp::MallocMessageBuilder builder;
  builder.initRoot<proto::Envelope>().initStatusRequest().setJobId(job_id);
  SLUICE_RETURN_IF_ERROR(setup_);
  SLUICE_ASSIGN_OR_RETURN(auto decoded, impl_->call(builder));
  try {
    return impl_->read_status(*decoded);
  } catch (const kj::Exception& error) {
    return internal_error(std::string("malformed reply: ") + error.getDescription().cStr());
  }
}

Result<StatusSnapshot> CoordinatorClient::cancel(const std::string& job_id) {
  capnp::MallocMessageBuilder builder;
  builder.initRoot<proto::Envelope>().initCancelJob().setJobId(job_id);
  SLUICE_RETURN_IF_ERROR(setup_);
  SLUICE_ASSIGN_OR_RETURN(auto decoded, impl_->call(builder));
  try {
    return impl_->read_status(*decoded);
  } catch (const kj::Exception& error) {
    return internal_error(std::string("malformed reply: ") + error.getDescription().cStr());
  }
}

bool is_final_state(const std::string& state) {
  return state == "succeeded" || state == "failed" || state == "cancelled";
}

}  // namespace sluice
