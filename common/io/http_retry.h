#pragma once
// Which failed HTTP requests are worth another try, for every libcurl
// client (common/io/http_source.cc, common/s3/client.cc): a 408, 429 or 5xx
// answer but 501, and a connection that could not be made, broke or timed out.

#include <curl/curl.h>

namespace sluice {

// 501 Not Implemented is the server's lasting answer (s3rver to
// ListMultipartUploads and AbortMultipartUpload): not retried.
inline bool transient_http_status(long status) {
  return status == 408 || status == 429 || (status >= 500 && status != 501);
}

inline bool transient_curl_error(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_SSL_CONNECT_ERROR:
      return true;
    default:
      return false;
  }
}

}  // namespace sluice
