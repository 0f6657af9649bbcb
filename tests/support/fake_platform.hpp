#pragma once

#include "core/clock.hpp"
#include "http/server.hpp"
#include "http/url.hpp"
#include "tests/support/keys.hpp"

#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace recharged::test {

// How the fake platform signs one answer: correctly, or in one of the ways docs/PROTOCOL.md ("Answers and notifications") says must be refused.
enum class Signing {
  valid,             // Wechatpay-* headers signed with the platform key, Wechatpay-Serial = its PUB_KEY_ID_…
  certificate,       // the same signature announced under the platform certificate's serial (certificate mode)
  wrong_key,         // a well-formed signature made with a key the client does not trust
  tampered_body,     // a valid signature over a body other than the one sent
  probe,             // Wechatpay-Signature = "WECHATPAY/SIGNTEST/…", as WeChat Pay's detection traffic
  unknown_serial,    // a valid signature announced under a serial the client has no key for
  missing_signature, // every Wechatpay-* header except Wechatpay-Signature
  unsigned_answer,   // no Wechatpay-* headers at all
};

// One scripted answer. Every answer (errors too) carries a Request-ID and is signed per `signing`.
struct Reply {
  int status = 200;
  std::string body;
  Signing signing = Signing::valid;
  std::int64_t clock_skew_seconds = 0; // added to the signing timestamp, for the ±300 s rule
  Millis delay{0};                     // real time slept before answering, to trip client timeouts
  bool drop_connection = false;        // start the answer, then close the connection (a reset)

  [[nodiscard]] static Reply json(int status, std::string body);
  // The platform's error shape {"code":…,"message":…} under `status`.
  [[nodiscard]] static Reply error(int status, std::string_view code, std::string_view message);
};

// A request as the fake platform received it, with the verdict on its Authorization header.
struct SeenRequest {
  http::Method method = http::Method::get;
  std::string target; // raw path and query, as signed
  http::Headers headers;
  std::string body;
  bool verified = false; // Authorization verified with the merchant certificate's key
  std::string refusal;   // the rule it broke, when !verified
  std::string connection; // client "address:port": the same for every request on one keep-alive connection
};

// A scriptable WeChat Pay platform on 127.0.0.1 (plain HTTP) built on http::Server. Every request is recorded;
// its Authorization is checked like the real platform does (scheme, mchid, serial_no, ±300 s, RSA-SHA256 over
// the raw target and body) and Accept and User-Agent are required. A request that fails those checks gets
// 401 SIGN_ERROR or 400 INVALID_REQUEST; any other request gets the next queued Reply (then the fallback,
// 500 SYSTEM_ERROR unless changed). `clock` supplies the time for signing and for the skew check; `keys` and
// `clock` must outlive the platform. Thread-safe; stops in its destructor.
//
//   test::FakePlatform platform(keys, clock);
//   platform.start();
//   test::ClientRig rig(keys, test::test_curl_options({platform.base_url()}), clock);
//   platform.enqueue(test::Reply::error(429, "FREQUENCY_LIMITED", "频率超限"));
//   auto r = rig.client().query("1900000110", "CZ1"); // rate_limited; platform.requests()[0].verified == true
class FakePlatform {
public:
  FakePlatform(const TestKeys& keys, const Clock& clock);
  ~FakePlatform();
  FakePlatform(const FakePlatform&) = delete;
  FakePlatform& operator=(const FakePlatform&) = delete;

  // Binds an ephemeral port on 127.0.0.1 and serves; throws std::runtime_error when that fails.
  void start();
  void stop();
  [[nodiscard]] http::BaseUrl base_url() const;

  void enqueue(Reply reply);
  void set_fallback(Reply reply);

  [[nodiscard]] std::vector<SeenRequest> requests() const;
  // Distinct client connections seen so far.
  [[nodiscard]] std::size_t connection_count() const;

private:
  http::Response handle(const http::ServerRequest& request);
  [[nodiscard]] std::string check_authorization(const http::ServerRequest& request) const;
  [[nodiscard]] http::Response render(const Reply& reply) const;

  const TestKeys& keys_;
  const Clock& clock_;
  http::Server server_;
  int port_ = 0;
  mutable std::mutex mu_;
  std::deque<Reply> queue_;
  Reply fallback_;
  std::vector<SeenRequest> seen_;
};

} // namespace recharged::test
