#pragma once

// A man in the middle between recharged and the sandbox platform, for the fault soak. It forwards every API
// call unchanged and records what came back, but replaces a share of the successful answers with forged ones —
// the order's state flipped (RECHARGING → SUCCESS or CLOSED, SUCCESS ↔ CLOSED), its amount or recharge id
// changed — that are not validly signed: the original signature left on the changed body, a signature by an
// attacker's key under the platform's key id, a WECHATPAY/SIGNTEST/ probe, or no signature at all. If recharged
// ever acted on one, its record would contradict the platform's ground truth, and the event would carry a
// request id the proxy knows it forged. It also verifies every genuine answer itself, so a test can check that
// each recorded state change rests on an answer that really was signed by the platform.

#include "core/clock.hpp"
#include "crypto/rsa_key.hpp"
#include "http/curl_transport.hpp"
#include "http/server.hpp"
#include "wxpay/api_client.hpp"
#include "wxpay/verifier.hpp"

#include <functional>
#include <map>
#include <optional>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace recharged::test {

enum class Forgery { tampered_body, attacker_key, probe, unsigned_answer };
[[nodiscard]] std::string_view to_string(Forgery f) noexcept;

struct LyingProxyOptions {
  http::BaseUrl upstream;            // the sandbox platform
  wxpay::PlatformKeys trusted;       // the platform's real key, to verify genuine answers
  std::string public_key_id;         // the platform's PUB_KEY_ID_…, which forgeries claim
  double forge_rate = 0.1;           // share of 2xx answers replaced by a forgery
  std::uint64_t seed = 1;
  std::size_t threads = 16;          // held answers (sandbox timeout faults) each keep one
  // Hostile but genuine: when set, every 2xx answer not forged goes through `rewrite` (body and Request-ID may
  // be changed) and, if it returns true, is signed again — validly — with `platform_key`. For tests of what
  // recharged does with signed answers full of quotes, NULs and SQL.
  std::function<bool(wxpay::Endpoint, std::string& body, std::string& request_id)> rewrite;
  std::optional<crypto::PrivateKey> platform_key;
};

// Thread-safe. `clock` is the virtual time shared with recharged and the sandbox.
class LyingProxy {
public:
  LyingProxy(LyingProxyOptions options, const Clock& clock);
  ~LyingProxy();
  LyingProxy(const LyingProxy&) = delete;
  LyingProxy& operator=(const LyingProxy&) = delete;

  // Binds 127.0.0.1 on a free port; throws std::runtime_error when it cannot.
  void start();
  void stop();
  [[nodiscard]] std::string base_url() const; // "http://127.0.0.1:PORT"

  // Request-IDs of answers that passed the platform signature check when they went through, unchanged.
  [[nodiscard]] std::set<std::string> verified_request_ids() const;
  // Request-IDs given to forged answers ("FORGED…").
  [[nodiscard]] std::set<std::string> forged_request_ids() const;
  // Every Request-ID this proxy showed recharged in place of the platform's (forged or rewritten answers):
  // shown → the platform's own, so an audit can match recorded calls to the platform's log.
  [[nodiscard]] std::map<std::string, std::string> substituted_request_ids() const;
  [[nodiscard]] std::map<Forgery, std::size_t> forgeries() const;
  // When each call to `endpoint` arrived, in the shared virtual time, in arrival order.
  [[nodiscard]] std::vector<TimePoint> arrivals(wxpay::Endpoint endpoint) const;

private:
  http::Response relay(wxpay::Endpoint endpoint, const http::ServerRequest& request);
  http::Response rewritten(wxpay::Endpoint endpoint, http::Response answer);
  std::optional<std::string> forged_body(wxpay::Endpoint endpoint, const std::string& body);
  void sign_forged(Forgery kind, const std::string& body, const http::Response& original, http::Response& out);

  LyingProxyOptions options_;
  const Clock& clock_;
  crypto::PrivateKey attacker_key_;
  std::unique_ptr<http::CurlTransport> upstream_;
  http::Server server_;
  mutable std::mutex mu_;
  std::mt19937_64 rng_;
  std::set<std::string> verified_;
  std::set<std::string> forged_;
  std::map<std::string, std::string> substituted_;
  std::map<Forgery, std::size_t> forgeries_;
  std::map<wxpay::Endpoint, std::vector<TimePoint>> arrivals_;
  std::uint64_t next_forged_id_ = 1;
};

// The largest excess of calls over what a token bucket of `rate` calls/s and `burst` allows, over every window
// of `times` (sorted), each window widened by `slack` for delivery jitter: ≤ 0 means the limit was respected.
[[nodiscard]] double worst_rate_excess(const std::vector<TimePoint>& times, double rate, double burst, Millis slack);

} // namespace recharged::test
