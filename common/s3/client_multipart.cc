// S3Client's listings and multipart uploads (client.cc sends the requests).
#include <fmt/format.h>

#include <charconv>

#include "common/s3/client.h"
#include "common/s3/client_request.h"
#include "common/s3/xml.h"

namespace sluice {
namespace {

Result<uint64_t> parse_size(std::string_view text, const std::string& where) {
  uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
    return data_error(fmt::format("{}: the listing's <Size> '{}' is not a number", where, text));
  }
  return value;
}

bool unimplemented(const S3Client::Response& response) {
  if (response.status == 501 || response.status == 405) return true;
  auto code = xml_first_text(response.body, "Code");
  return code.is_ok() && code->has_value() &&
         (**code == "NotImplemented" || **code == "MethodNotAllowed");
}

// The required text of `name` in `xml` (an S3 answer), unescaped.
Result<std::string> required_text(std::string_view xml, std::string_view name,
                                  const std::string& where) {
  auto text = xml_first_text(xml, name);
  if (!text.is_ok()) return data_error(where + ": " + text.status().message());
  if (!text->has_value()) {
    return data_error(fmt::format("{}: the answer has no <{}>", where, name));
  }
  return std::move(**text);
}

}  // namespace

Result<std::vector<S3Object>> S3Client::list(const std::string& bucket, const std::string& prefix,
                                             uint32_t page_keys) {
  std::vector<S3Object> objects;
  std::string token;
  const std::string where = fmt::format("S3 list s3://{}/{}", bucket, prefix);
  while (true) {
    std::vector<std::pair<std::string, std::string>> query = {
        {"list-type", "2"}, {"prefix", prefix}, {"max-keys", std::to_string(page_keys)}};
    if (!token.empty()) query.emplace_back("continuation-token", token);
    Request request;
    request.location = S3Location{bucket, ""};
    request.query = canonical_query(std::move(query));
    SLUICE_ASSIGN_OR_RETURN(Response response, perform(request));
    if (response.status == 404) {
      return not_found(s3_error_message(request, response));
    }
    if (response.status != 200) return io_error(s3_error_message(request, response));
    auto contents = xml_elements(response.body, "Contents");
    if (!contents.is_ok()) return data_error(where + ": " + contents.status().message());
    for (const std::string_view entry : *contents) {
      S3Object object;
      SLUICE_ASSIGN_OR_RETURN(object.key, required_text(entry, "Key", where));
      SLUICE_ASSIGN_OR_RETURN(std::string size, required_text(entry, "Size", where));
      SLUICE_ASSIGN_OR_RETURN(object.size_bytes, parse_size(size, where));
      auto etag = xml_first_text(entry, "ETag");
      if (etag.is_ok() && etag->has_value()) object.etag = **etag;
      objects.push_back(std::move(object));
      if (objects.size() > kS3ListKeysMax) {
        return invalid_argument(
            fmt::format("{}: more than {} objects; narrow the prefix", where, kS3ListKeysMax));
      }
    }
    auto truncated = xml_first_text(response.body, "IsTruncated");
    if (!truncated.is_ok()) return data_error(where + ": " + truncated.status().message());
    if (!truncated->has_value() || **truncated != "true") break;
    SLUICE_ASSIGN_OR_RETURN(std::string next,
                            required_text(response.body, "NextContinuationToken", where));
    if (next.empty() || next == token) {
      return data_error(where + ": the listing's continuation token does not advance");
    }
    token = std::move(next);
  }
  return objects;
}

Result<std::string> S3Client::create_upload(const S3Location& location) {
  Request request;
  request.method = "POST";
  request.location = location;
  request.query = canonical_query({{"uploads", ""}});
  SLUICE_ASSIGN_OR_RETURN(Response response, perform(request));
  if (response.status != 200) return io_error(s3_error_message(request, response));
  const std::string where = fmt::format("S3 create upload {}", s3_url(location));
  SLUICE_ASSIGN_OR_RETURN(std::string upload_id, required_text(response.body, "UploadId", where));
  if (upload_id.empty()) return data_error(where + ": an empty <UploadId>");
  return upload_id;
}

Result<std::string> S3Client::upload_part(const S3Location& location, const std::string& upload_id,
                                          uint32_t number, int fd, uint64_t offset,
                                          uint64_t length) {
  Request request;
  request.method = "PUT";
  request.location = location;
  request.query =
      canonical_query({{"partNumber", std::to_string(number)}, {"uploadId", upload_id}});
  request.body_fd = fd;
  request.body_offset = offset;
  request.body_bytes = length;
  SLUICE_ASSIGN_OR_RETURN(Response response, perform(request));
  if (response.status == 404) return not_found(s3_error_message(request, response));
  if (response.status != 200) return io_error(s3_error_message(request, response));
  if (response.etag.empty()) {
    return data_error(fmt::format("S3 upload part {} of {}: no ETag", number, s3_url(location)));
  }
  return response.etag;
}

Result<std::string> S3Client::complete_upload(const S3Location& location,
                                              const std::string& upload_id,
                                              const std::vector<S3Part>& parts) {
  std::string body = "<CompleteMultipartUpload>";
  for (const S3Part& part : parts) {
    body += fmt::format("<Part><PartNumber>{}</PartNumber><ETag>{}</ETag></Part>", part.number,
                        part.etag);
  }
  body += "</CompleteMultipartUpload>";
  Request request;
  request.method = "POST";
  request.location = location;
  request.query = canonical_query({{"uploadId", upload_id}});
  request.body = body;
  const std::string where = fmt::format("S3 complete upload {}", s3_url(location));
  // S3 may answer 200 and then an <Error> (InternalError: retry).
  for (int attempt = 0; attempt < kS3Attempts; ++attempt) {
    SLUICE_ASSIGN_OR_RETURN(Response response, perform(request));
    if (response.status == 404) return not_found(s3_error_message(request, response));
    if (response.status != 200) return io_error(s3_error_message(request, response));
    auto error = xml_first_text(response.body, "Code");
    if (error.is_ok() && error->has_value()) {
      if (**error == "NoSuchUpload") return not_found(s3_error_message(request, response));
      if (**error == "InternalError" || **error == "SlowDown") continue;
      return io_error(s3_error_message(request, response));
    }
    auto etag = xml_first_text(response.body, "ETag");
    if (etag.is_ok() && etag->has_value()) return **etag;
    return response.etag;
  }
  return io_error(where + ": the server kept failing");
}

Status S3Client::abort_upload(const S3Location& location, const std::string& upload_id) {
  Request request;
  request.method = "DELETE";
  request.location = location;
  request.query = canonical_query({{"uploadId", upload_id}});
  SLUICE_ASSIGN_OR_RETURN(Response response, perform(request));
  if (response.status == 204 || response.status == 200 || response.status == 404) {
    return Status::ok();
  }
  if (unimplemented(response)) {
    return Status(StatusCode::kUnavailable, s3_error_message(request, response));
  }
  return io_error(s3_error_message(request, response));
}

Result<std::vector<S3Upload>> S3Client::list_uploads(const std::string& bucket,
                                                     const std::string& prefix) {
  std::vector<S3Upload> uploads;
  std::string key_marker;
  std::string id_marker;
  const std::string where = fmt::format("S3 list uploads s3://{}/{}", bucket, prefix);
  while (true) {
    std::vector<std::pair<std::string, std::string>> query = {{"uploads", ""}, {"prefix", prefix}};
    if (!key_marker.empty()) {
      query.emplace_back("key-marker", key_marker);
      query.emplace_back("upload-id-marker", id_marker);
    }
    Request request;
    request.location = S3Location{bucket, ""};
    request.query = canonical_query(std::move(query));
    SLUICE_ASSIGN_OR_RETURN(Response response, perform(request));
    if (unimplemented(response)) {
      return Status(StatusCode::kUnavailable, s3_error_message(request, response));
    }
    if (response.status != 200) return io_error(s3_error_message(request, response));
    auto entries = xml_elements(response.body, "Upload");
    if (!entries.is_ok()) return data_error(where + ": " + entries.status().message());
    for (const std::string_view entry : *entries) {
      S3Upload upload;
      SLUICE_ASSIGN_OR_RETURN(upload.key, required_text(entry, "Key", where));
      SLUICE_ASSIGN_OR_RETURN(upload.upload_id, required_text(entry, "UploadId", where));
      uploads.push_back(std::move(upload));
      if (uploads.size() > kS3ListKeysMax) return data_error(where + ": too many uploads");
    }
    auto truncated = xml_first_text(response.body, "IsTruncated");
    if (!truncated.is_ok() || !truncated->has_value() || **truncated != "true") break;
    SLUICE_ASSIGN_OR_RETURN(std::string next_key,
                            required_text(response.body, "NextKeyMarker", where));
    SLUICE_ASSIGN_OR_RETURN(std::string next_id,
                            required_text(response.body, "NextUploadIdMarker", where));
    if (next_key == key_marker && next_id == id_marker) {
      return data_error(where + ": the listing's markers do not advance");
    }
    key_marker = std::move(next_key);
    id_marker = std::move(next_id);
  }
  return uploads;
}

}  // namespace sluice
