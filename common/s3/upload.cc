#include "common/s3/upload.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sluice {
namespace {

// 16 bytes from 32 hex digits (an MD5 ETag, quotes stripped), or "".
std::string md5_bytes(std::string_view etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    etag = etag.substr(1, etag.size() - 2);
  }
  if (etag.size() != 32) return "";
  std::string bytes;
  for (size_t i = 0; i < 32; i += 2) {
    auto digit = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    const int high = digit(etag[i]);
    const int low = digit(etag[i + 1]);
    if (high < 0 || low < 0) return "";
    bytes += static_cast<char>(high * 16 + low);
  }
  return bytes;
}

}  // namespace

uint64_t S3UploadRecord::size_bytes() const {
  uint64_t total = 0;
  for (const S3Part& part : parts) total += part.size_bytes;
  return total;
}

std::string S3UploadRecord::expected_etag() const {
  std::string digests;
  for (const S3Part& part : parts) {
    const std::string bytes = md5_bytes(part.etag);
    if (bytes.empty()) return "";
    digests += bytes;
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(digests.data(), digests.size(), digest, &length, EVP_md5(), nullptr) != 1) {
    return "";
  }
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) hex += fmt::format("{:02x}", digest[i]);
  return fmt::format("\"{}-{}\"", hex, parts.size());
}

nlohmann::json upload_to_json(const S3UploadRecord& upload) {
  nlohmann::json parts = nlohmann::json::array();
  for (const S3Part& part : upload.parts) {
    parts.push_back({{"number", part.number}, {"etag", part.etag}, {"bytes", part.size_bytes}});
  }
  return {{"url", upload.url}, {"upload_id", upload.upload_id}, {"parts", parts}};
}

Result<S3UploadRecord> upload_from_json(const nlohmann::json& value) {
  try {
    S3UploadRecord upload;
    upload.url = value.at("url").get<std::string>();
    upload.upload_id = value.at("upload_id").get<std::string>();
    for (const nlohmann::json& part : value.at("parts")) {
      upload.parts.push_back(S3Part{part.at("number").get<uint32_t>(),
                                    part.at("etag").get<std::string>(),
                                    part.at("bytes").get<uint64_t>()});
    }
    return upload;
  } catch (const nlohmann::json::exception& error) {
    return data_error(std::string("not an S3 upload record: ") + error.what());
  }
}

uint64_t s3_part_bytes(uint64_t file_bytes) {
  const uint64_t spread = (file_bytes + kS3PartsMax - 1) / kS3PartsMax;
  return std::max(kS3PartBytesMin, spread);
}

Result<S3UploadRecord> upload_file_parts(S3Client& client, const std::string& path,
                                         const std::string& url, uint64_t part_bytes) {
  SLUICE_ASSIGN_OR_RETURN(S3Location location, parse_s3_url(url));
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return io_error(fmt::format("cannot open {}: {}", path, std::strerror(errno)));
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    const int error = errno;
    ::close(fd);
    return io_error(fmt::format("cannot stat {}: {}", path, std::strerror(error)));
  }
  const uint64_t size = static_cast<uint64_t>(info.st_size);
  if (part_bytes == 0) part_bytes = s3_part_bytes(size);
  auto upload_id = client.create_upload(location);
  if (!upload_id.is_ok()) {
    ::close(fd);
    return upload_id.status();
  }
  S3UploadRecord upload{url, *upload_id, {}};
  // An empty file is one empty part: S3 needs at least one.
  for (uint64_t offset = 0; offset < size || upload.parts.empty(); offset += part_bytes) {
    const uint64_t length = std::min(part_bytes, size - offset);
    const auto number = static_cast<uint32_t>(upload.parts.size() + 1);
    auto etag = client.upload_part(location, upload.upload_id, number, fd, offset, length);
    if (!etag.is_ok()) {
      ::close(fd);
      (void)abort_upload_quietly(client, upload);
      return etag.status();
    }
    upload.parts.push_back(S3Part{number, *etag, length});
  }
  ::close(fd);
  return upload;
}

Result<CompleteOutcome> complete_upload_once(S3Client& client, const S3UploadRecord& upload) {
  SLUICE_ASSIGN_OR_RETURN(S3Location location, parse_s3_url(upload.url));
  auto completed = client.complete_upload(location, upload.upload_id, upload.parts);
  if (completed.is_ok()) return CompleteOutcome::kCompleted;
  auto object = client.head(location);
  if (!object.is_ok()) return completed.status();
  const std::string expected = upload.expected_etag();
  const bool multipart_etag = object->etag.find('-') != std::string::npos;
  if (object->size_bytes == upload.size_bytes() &&
      (!multipart_etag || expected.empty() || object->etag == expected)) {
    return CompleteOutcome::kAlreadyCompleted;
  }
  return io_error(fmt::format("{}; the object there is not this upload's ({} bytes, ETag {})",
                              completed.status().message(), object->size_bytes, object->etag));
}

Status abort_upload_quietly(S3Client& client, const S3UploadRecord& upload) {
  SLUICE_ASSIGN_OR_RETURN(S3Location location, parse_s3_url(upload.url));
  Status aborted = client.abort_upload(location, upload.upload_id);
  if (aborted.code() == StatusCode::kUnavailable) return Status::ok();
  return aborted;
}

}  // namespace sluice
