#include "http/curl_transport.hpp"

#include <curl/curl.h>

#include <mutex>

namespace recharged::http {
namespace {

struct Exchange {
  Response response;
  std::size_t limit = 0;
  bool too_large = false;
};

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* ex = static_cast<Exchange*>(user);
  const std::size_t n = size * count;
  if (ex->response.body.size() + n > ex->limit) {
    ex->too_large = true;
    return 0;
  }
  ex->response.body.append(data, n);
  return n;
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* ex = static_cast<Exchange*>(user);
  const std::size_t n = size * count;
  std::string_view line(data, n);
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.remove_suffix(1);
  if (line.starts_with("HTTP/")) {
    ex->response.headers = Headers{}; // a new status line (after 100 Continue) starts a new header block
  } else if (const auto colon = line.find(':'); colon != std::string_view::npos) {
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    ex->response.headers.add(std::string(line.substr(0, colon)), std::string(value));
  }
  return n;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto* stop = static_cast<const StopSignal*>(user);
  return stop != nullptr && stop->stop_requested() ? 1 : 0;
}

struct SlistFree {
  void operator()(curl_slist* l) const noexcept { curl_slist_free_all(l); }
};

Error transport_error(CURLcode code, bool sent, const std::string& where, const char* detail) {
  std::string kind = "network";
  std::string step = "network";
  switch (code) {
  case CURLE_COULDNT_RESOLVE_HOST: step = "resolve_host"; break;
  case CURLE_COULDNT_RESOLVE_PROXY: step = "resolve_proxy"; break;
  case CURLE_PROXY: step = "proxy"; break;
  case CURLE_COULDNT_CONNECT: step = "connect"; break;
  case CURLE_OPERATION_TIMEDOUT: step = "timeout"; break;
  case CURLE_SSL_CONNECT_ERROR:
  case CURLE_PEER_FAILED_VERIFICATION:
  case CURLE_SSL_CACERT_BADFILE: step = "tls"; break;
  default: step = "network"; break;
  }
  switch (code) {
  case CURLE_COULDNT_RESOLVE_HOST:
  case CURLE_COULDNT_RESOLVE_PROXY:
  case CURLE_COULDNT_CONNECT: kind = "connect"; break;
  case CURLE_OPERATION_TIMEDOUT: kind = "timeout"; break;
  case CURLE_SSL_CONNECT_ERROR:
  case CURLE_PEER_FAILED_VERIFICATION:
  case CURLE_SSL_CACERT_BADFILE: kind = "tls"; break;
  case CURLE_RECV_ERROR:
  case CURLE_SEND_ERROR:
  case CURLE_GOT_NOTHING:
  case CURLE_PARTIAL_FILE: kind = "reset"; break;
  case CURLE_ABORTED_BY_CALLBACK: kind = "aborted"; break;
  default: break;
  }
  std::string message = "The request to " + where + " failed (" + kind + "): " + (detail[0] ? detail : curl_easy_strerror(code));
  message += sent ? "; it may have reached the server." : "; it was not sent.";
  Error e = Error::make(sent ? ErrorKind::ambiguous : ErrorKind::retryable, kind, std::move(message));
  e.field = std::move(step);
  return e;
}

} // namespace

struct CurlTransport::Handle {
  CURL* easy = curl_easy_init(); // nullptr when libcurl cannot allocate one: perform() refuses it
  ~Handle() {
    if (easy != nullptr) curl_easy_cleanup(easy);
  }
};

CurlTransport::CurlTransport(CurlOptions options, const Clock& clock) : options_(std::move(options)), clock_(clock) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

CurlTransport::~CurlTransport() = default;

std::unique_ptr<CurlTransport::Handle> CurlTransport::checkout() {
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      auto h = std::move(idle_.back());
      idle_.pop_back();
      return h;
    }
  }
  return std::make_unique<Handle>();
}

void CurlTransport::checkin(std::unique_ptr<Handle> handle) {
  if (handle->easy == nullptr) return; // never pool a handle that could not be made
  std::lock_guard lock(mu_);
  idle_.push_back(std::move(handle));
}

std::size_t CurlTransport::preferred_host() const {
  std::lock_guard lock(mu_);
  return options_.hosts.size() > 1 && clock_.now() < primary_down_until_ ? 1 : 0;
}

Result<Response> CurlTransport::send(const Request& request) {
  if (options_.hosts.empty()) return Error::make(ErrorKind::internal, "config", "No platform host is configured.");
  auto handle = checkout();
  const std::size_t first = preferred_host();
  Result<Response> result = Error::make(ErrorKind::internal, "network", "no attempt was made");
  for (std::size_t i = 0; i < options_.hosts.size(); ++i) {
    const std::size_t index = (first + i) % options_.hosts.size();
    result = perform(*handle, options_.hosts[index], request);
    const bool unreachable = !result.ok() && result.error().kind == ErrorKind::retryable;
    if (index == 0 && unreachable) {
      std::lock_guard lock(mu_);
      primary_down_until_ = clock_.now() + options_.failover_cooldown;
    }
    if (!unreachable) break;
  }
  checkin(std::move(handle));
  return result;
}

Result<Response> CurlTransport::perform(Handle& handle, const BaseUrl& host, const Request& request) {
  CURL* c = handle.easy;
  if (c == nullptr)
    return Error::make(ErrorKind::retryable, "network",
                       "The request to " + host.host + " was not sent: libcurl could not create a handle (out of memory?).");
  curl_easy_reset(c);
  Exchange ex;
  ex.limit = options_.max_response_bytes;
  const std::string url = host.to_string() + request.target;
  char error_text[CURL_ERROR_SIZE] = {};

  std::unique_ptr<curl_slist, SlistFree> headers;
  auto append = [&](const std::string& line) { headers.reset(curl_slist_append(headers.release(), line.c_str())); };
  for (const auto& [name, value] : request.headers.all()) append(name + ": " + value);
  append("Expect:"); // no 100-continue round trip
  // libcurl labels every POST application/x-www-form-urlencoded unless told otherwise; send only what we set.
  if (request.method == Method::post && !request.headers.get("Content-Type")) append("Content-Type:");

  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!options_.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, options_.ca_file.c_str());
  curl_easy_setopt(c, CURLOPT_PROXY, options_.proxy.c_str());
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout.count()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout.count()));
  curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(c, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, nullptr);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &ex);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &ex);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error_text);
  if (abort_on_ != nullptr) {
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, abort_on_);
  }
  if (request.method == Method::post) {
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(request.body.size()));
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body.c_str());
  } else {
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
  }

  const CURLcode rc = curl_easy_perform(c);
  long request_size = 0;
  curl_easy_getinfo(c, CURLINFO_REQUEST_SIZE, &request_size);
  const std::string where = host.host;
  if (ex.too_large)
    return Error::make(ErrorKind::ambiguous, "too_large",
                       "The answer from " + where + " exceeded " + std::to_string(options_.max_response_bytes) +
                           " bytes and was discarded.");
  if (rc != CURLE_OK) return transport_error(rc, request_size > 0, where, error_text);
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  ex.response.status = static_cast<int>(status);
  return std::move(ex.response);
}

} // namespace recharged::http
