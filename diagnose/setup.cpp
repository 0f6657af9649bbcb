#include "diagnose/setup.hpp"

#include "core/file.hpp"
#include "crypto/certificate.hpp"
#include "wxpay/codec.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdlib>

namespace recharged::diagnose {

std::string_view to_string(Status s) noexcept {
  switch (s) {
  case Status::ok: return "ok";
  case Status::warn: return "warn";
  case Status::fail: return "fail";
  }
  return "fail";
}
namespace {

constexpr std::int64_t k_warn_skew_seconds = 60;
constexpr auto k_expiry_warning = std::chrono::hours{24 * 30};
constexpr std::string_view k_ntp = "synchronise this host's clock (timedatectl set-ntp true; chronyc tracking shows the "
                                   "offset), then run `recharged check --online` again";


std::optional<CertificateFact> read_certificate(std::string key, const std::filesystem::path& path) {
  auto pem = read_file(path);
  if (!pem) return std::nullopt;
  auto cert = crypto::Certificate::from_pem(*pem);
  if (!cert) return std::nullopt;
  return CertificateFact{std::move(key), path.string(), cert->serial_hex(), cert->not_after()};
}

Finding ok(std::string check, std::string host, std::string message) {
  return {std::move(check), std::move(host), Status::ok, std::move(message), {}, false};
}
Finding warn(std::string check, std::string host, std::string message, std::string next) {
  return {std::move(check), std::move(host), Status::warn, std::move(message), std::move(next), false};
}
Finding fail(std::string check, std::string host, std::string message, std::string next, bool network = false) {
  return {std::move(check), std::move(host), Status::fail, std::move(message), std::move(next), network};
}

std::string toml_string(std::string_view v) { return "\"" + std::string(v) + "\""; }

// The platform's time when it answered: Wechatpay-Timestamp, else Date.
std::optional<std::pair<TimePoint, std::string>> platform_time(const wxpay::SignatureHeaders& h) {
  if (h.timestamp) {
    std::int64_t seconds = 0;
    const auto* end = h.timestamp->data() + h.timestamp->size();
    if (auto [p, ec] = std::from_chars(h.timestamp->data(), end, seconds); ec == std::errc{} && p == end)
      return std::pair{from_unix_seconds(seconds), std::string("Wechatpay-Timestamp")};
  }
  if (h.date)
    if (auto t = parse_http_date(*h.date)) return std::pair{*t, std::string("Date")};
  return std::nullopt;
}

// Our clock minus the platform's, in whole seconds.
std::optional<std::int64_t> skew_seconds(const wxpay::SignatureHeaders& h, TimePoint now) {
  const auto t = platform_time(h);
  if (!t) return std::nullopt;
  return unix_seconds(now) - unix_seconds(t->first);
}

std::string describe_skew(std::int64_t skew) {
  if (skew == 0) return "agrees with WeChat Pay's to the second";
  return "is " + std::to_string(std::llabs(skew)) + " s " + (skew > 0 ? "ahead of" : "behind") + " WeChat Pay's";
}

std::string days_until(TimePoint until, TimePoint now) {
  const auto days = std::chrono::duration_cast<std::chrono::hours>(until - now).count() / 24;
  return std::to_string(days) + (days == 1 ? " day" : " days");
}

Finding signature_finding(const LocalSetup& s, const AnswerFacts& a, const std::string& host, TimePoint now) {
  const bool refused = a.status == 401 || a.error_code == "SIGN_ERROR";
  if (!refused)
    return ok("signature", host,
              "WeChat Pay accepted our signature (mchid " + s.mchid + ", serial_no " + s.serial_no +
                  ", private key and clock are right): it answered HTTP " + std::to_string(a.status) +
                  (a.error_code.empty() ? "" : " " + a.error_code) + " for the made-up order");
  std::string said = "WeChat Pay refused our signature (HTTP " + std::to_string(a.status) + " " +
                     (a.error_code.empty() ? "SIGN_ERROR" : a.error_code) +
                     (a.error_message.empty() ? "" : ": " + a.error_message) + ")";
  if (const auto skew = skew_seconds(a.headers, now); skew && std::llabs(*skew) >= wxpay::k_max_clock_skew_seconds)
    return fail("signature", host,
                said + ": this host's clock " + describe_skew(*skew) + ", beyond the 300 s it accepts, so it "
                       "refuses our Authorization timestamp; mchid, serial_no and key may well be right",
                std::string(k_ntp));
  if (!s.keys_loaded)
    return fail("signature", host, said + "; the key files did not load (see keys), so nothing more can be told",
                "fix the key files first (the keys finding says how)");
  if (!s.merchant_certificate)
    return fail("signature", host,
                said + ": the clocks agree, so mchid " + s.mchid + ", serial_no " + s.serial_no +
                    " or the private key is wrong; without merchant.certificate_file recharged cannot tell which",
                "set [merchant] certificate_file to apiclient_cert.pem and run the check again: it then matches the "
                "private key and serial_no against the certificate");
  return fail("signature", host,
              said + ": the clocks agree, and the private key belongs to " + s.merchant_certificate->path +
                  " whose serial is serial_no " + s.serial_no + ", so WeChat Pay does not know that certificate "
                  "under mchid " + s.mchid + ": the mchid is wrong, or the certificate was replaced or revoked",
              "compare mchid with 商户平台 → 账户中心 → 商户信息, and the certificate serial with API安全 → 管理证书; a "
              "new certificate needs its apiclient_key.pem, apiclient_cert.pem and serial_no in the config");
}

std::optional<Finding> answer_key_finding(const LocalSetup& s, const AnswerFacts& a, const std::string& host) {
  if (!a.headers.serial) return std::nullopt; // the headers finding names it
  const std::string& serial = *a.headers.serial;
  const bool public_key = serial.starts_with("PUB_KEY_ID_");
  const bool both = s.has_public_key && !s.platform_certificates.empty();
  if (s.holds(serial)) {
    std::string m = public_key ? "answers are signed with the WeChat Pay public key " + serial +
                                     ", which the config holds: the merchant is in public-key mode"
                               : "answers are signed with the platform certificate " + serial +
                                     ", which the config holds: the merchant is in certificate mode";
    if (both)
      m += public_key ? "; platform certificates are configured too, as during a switch-over: once every answer "
                        "comes under the public key they can go"
                      : "; the public key " + s.public_key_id + " is configured too, as during a switch-over: keep "
                        "both until the platform signs with the public key";
    return ok("answer_key", host, std::move(m));
  }
  if (public_key) {
    if (s.has_public_key)
      return fail("answer_key", host,
                  "answers are signed with the WeChat Pay public key " + serial + ", but the config holds public key " +
                      s.public_key_id + ": it belongs to another merchant, or the key was renewed",
                  "download this merchant's public key (商户平台 → API安全 → 微信支付公钥) and set [platform] "
                  "public_key_id = " + toml_string(serial) + " and public_key_file");
    return fail("answer_key", host,
                "answers are signed with the WeChat Pay public key " + serial +
                    ": the merchant is in public-key mode, but the config holds only platform certificates "
                    "(certificate mode), so no answer verifies",
                "download the public key (商户平台 → API安全 → 微信支付公钥), set [platform] public_key_id = " +
                    toml_string(serial) + " and public_key_file; keep certificate_files while the switch-over lasts");
  }
  if (!s.platform_certificates.empty()) {
    std::string serials;
    for (const auto& c : s.platform_certificates) serials += (serials.empty() ? "" : ", ") + c.serial;
    return fail("answer_key", host,
                "answers are signed with the platform certificate " + serial +
                    ", which is not among [platform] certificate_files (" + serials +
                    "): WeChat Pay has a newer certificate",
                "download the current platform certificates (GET /v3/certificates, or WeChat Pay's certificate "
                "download tool) and add them to certificate_files");
  }
  return fail("answer_key", host,
              "answers are signed with the platform certificate " + serial +
                  ": the merchant is still in certificate mode, but the config holds only the public key " +
                  s.public_key_id + " (public-key mode), so no answer verifies",
              "download the platform certificate and add it to [platform] certificate_files (keep public_key_id for "
              "the switch-over), or finish the switch to the public key in 商户平台 → API安全");
}

Finding headers_finding(const LocalSetup& s, const AnswerFacts& a, const std::string& host) {
  const auto missing = a.headers.missing();
  if (missing.empty()) return ok("headers", host, "all four Wechatpay-* signature headers arrived");
  std::string names;
  for (const auto n : missing) names += (names.empty() ? "" : ", ") + std::string(n);
  const std::string by = s.proxy.empty() ? "a proxy, gateway or TLS-inspecting middlebox on the way"
                                         : "the proxy " + s.proxy + " ([platform] proxy)";
  return fail("headers", host,
              "the answer lacks " + names + ": WeChat Pay sends all four on every answer, so " + by +
                  " most likely drops them, and no answer can be verified",
              "let " + by + " pass Wechatpay-* headers through unchanged, or bypass it for the WeChat Pay hosts");
}

Finding clock_finding(const AnswerFacts& a, const std::string& host, TimePoint now) {
  const auto t = platform_time(a.headers);
  if (!t)
    return warn("clock", host, "the answer carries neither Wechatpay-Timestamp nor Date: the clock cannot be compared",
                "see headers");
  const std::int64_t skew = unix_seconds(now) - unix_seconds(t->first);
  const std::string m = "this host's clock " + describe_skew(skew) + " (" + t->second + ")";
  if (std::llabs(skew) >= wxpay::k_max_clock_skew_seconds)
    return fail("clock", host,
                m + ", beyond the 300 s both sides allow: answers fail verification and the platform refuses our "
                    "signatures",
                std::string(k_ntp));
  if (std::llabs(skew) >= k_warn_skew_seconds)
    return warn("clock", host, m + "; the limit is 300 s", std::string(k_ntp));
  return ok("clock", host, m + "; the limit is 300 s");
}

Finding verification_finding(const AnswerFacts& a, const std::string& host) {
  if (!a.verification)
    return ok("answer_signature", host, "the answer's signature verified with " + a.headers.serial.value_or("?"));
  const Error& e = *a.verification;
  if (e.field == "missing_header") return fail("answer_signature", host, e.message, "see headers");
  if (e.field == "unknown_serial") return fail("answer_signature", host, e.message, "see answer_key");
  if (e.field == "clock_skew" || e.field == "timestamp") return fail("answer_signature", host, e.message, "see clock");
  if (e.field == "probe")
    return warn("answer_signature", host, "WeChat Pay sent a signature probe (WECHATPAY/SIGNTEST/), which is never "
                                          "accepted", "run the check again");
  return fail("answer_signature", host,
              e.message + " The key configured under " + a.headers.serial.value_or("?") +
                  " does not verify the answer: the file holds another key than the one this id names",
              "download the key (or certificate) for this id again and point [platform] public_key_file or "
              "certificate_files at it");
}

} // namespace

LocalSetup LocalSetup::read(const config::Config& c, bool keys_loaded) {
  LocalSetup s;
  s.mchid = c.merchant.mchid;
  s.serial_no = c.merchant.serial_no;
  s.proxy = c.platform.proxy;
  s.has_public_key = c.platform.public_key_file.has_value() && !c.platform.public_key_id.empty();
  if (s.has_public_key) s.public_key_id = c.platform.public_key_id;
  if (c.merchant.certificate_file)
    s.merchant_certificate = read_certificate("merchant.certificate_file", *c.merchant.certificate_file);
  for (const auto& path : c.platform.certificate_files)
    if (auto cert = read_certificate("platform.certificate_files", path)) s.platform_certificates.push_back(*cert);
  s.keys_loaded = keys_loaded;
  return s;
}

bool LocalSetup::holds(std::string_view serial) const {
  if (has_public_key && serial == public_key_id) return true;
  const std::string want = wxpay::canonical_serial(serial);
  return !want.empty() && std::any_of(platform_certificates.begin(), platform_certificates.end(),
                                      [&](const CertificateFact& c) {
                                        return wxpay::canonical_serial(c.serial) == want;
                                      });
}

AnswerFacts read_answer(const http::Response& answer, const wxpay::PlatformKeys& keys, TimePoint now) {
  AnswerFacts a;
  a.status = answer.status;
  if (answer.status < 200 || answer.status >= 300)
    if (auto body = wxpay::decode_error_body(answer.body)) {
      a.error_code = body->code.substr(0, 64);
      a.error_message = body->message.substr(0, 200);
    }
  a.headers = wxpay::SignatureHeaders::read(answer.headers);
  if (auto verified = wxpay::verify_signature(keys, answer.headers, answer.body, now); !verified)
    a.verification = std::move(verified).error();
  return a;
}

std::vector<Finding> diagnose_answer(const LocalSetup& setup, const AnswerFacts& answer, const std::string& host,
                                     TimePoint now) {
  // A 2xx answer is the platform's (its headers may have been stripped); an error without its body or headers
  // came from something else.
  const bool from_platform = (answer.status >= 200 && answer.status < 300) || !answer.error_code.empty() ||
                             answer.headers.serial || answer.headers.timestamp;
  if (!from_platform)
    return {fail("network", host,
                 "HTTP " + std::to_string(answer.status) + " without a WeChat Pay error body or any Wechatpay-* "
                     "header: something other than WeChat Pay answered (a proxy, a gateway, a wrong base_url)",
                 "check [platform] base_url, backup_url and proxy; `curl -v` the URL from this host", true)};
  std::vector<Finding> out;
  out.push_back(ok("network", host, "WeChat Pay answered (HTTP " + std::to_string(answer.status) + ")"));
  out.push_back(signature_finding(setup, answer, host, now));
  if (auto key = answer_key_finding(setup, answer, host)) out.push_back(std::move(*key));
  out.push_back(headers_finding(setup, answer, host));
  out.push_back(clock_finding(answer, host, now));
  out.push_back(verification_finding(answer, host));
  return out;
}

Finding diagnose_unreachable(const LocalSetup& setup, const Error& error, const std::string& host,
                             const std::string& url) {
  const std::string& step = error.field;
  const std::string& msg = error.message;
  if (step == "resolve_host")
    return fail("network", host, "DNS: the name in " + url + " does not resolve (" + msg + ")",
                "check /etc/resolv.conf and `getent hosts` for that name from this host; a host without direct "
                "internet access needs [platform] proxy",
                true);
  if (step == "resolve_proxy")
    return fail("network", host, "DNS: the proxy " + setup.proxy + " does not resolve (" + msg + ")",
                "correct [platform] proxy, or make its name resolvable from this host", true);
  if (step == "proxy" || (step == "connect" && !setup.proxy.empty()))
    return fail("network", host, "the proxy " + setup.proxy + " refused or failed the connection to " + url + " (" + msg + ")",
                "check [platform] proxy, that the proxy allows CONNECT to the WeChat Pay hosts on port 443, and its "
                "credentials",
                true);
  if (step == "connect")
    return fail("network", host, "cannot connect to " + url + ": refused or unreachable (" + msg + ")",
                "allow outbound TCP to that host and port (a firewall or security group), or use [platform] proxy; "
                "`curl -v " + url + "` shows the same",
                true);
  if (step == "tls")
    return fail("network", host, "TLS with " + url + " failed: the handshake or the server certificate check (" + msg + ")",
                "a TLS-inspecting proxy needs its CA in [platform] ca_file; otherwise update the system's CA "
                "certificates (ca-certificates) and check the clock",
                true);
  if (step == "timeout")
    return fail("network", host, "no answer from " + url + " in time (" + msg + ")",
                "a firewall that drops packets, or a slow proxy; raise [platform] connect_timeout only if the "
                "network is known to be slow",
                true);
  return fail("network", host, "the request to " + url + " failed (" + msg + ")",
              "`curl -v " + url + "` from this host shows where it fails", true);
}

std::vector<Finding> diagnose_certificates(const LocalSetup& s, TimePoint now) {
  std::vector<Finding> out;
  auto judge = [&](const CertificateFact& c, bool others_valid) {
    const std::string what = c.key + " " + c.path + " (serial " + c.serial + ")";
    if (c.not_after <= now) {
      const std::string m = what + " expired on " + format_utc(c.not_after).substr(0, 10);
      if (c.key == "merchant.certificate_file")
        return out.push_back(fail("certificates", "", m + ": WeChat Pay refuses requests signed with its key",
                                  "apply for a new merchant API certificate (商户平台 → API安全), then set "
                                  "private_key_file, certificate_file and serial_no to it"));
      if (!others_valid)
        return out.push_back(fail("certificates", "", m + ", and no other configured platform key is valid",
                                  "download the current platform certificates or the WeChat Pay public key and "
                                  "configure them in [platform]"));
      return out.push_back(warn("certificates", "", m + "; another configured key is still valid",
                                "remove it from [platform] certificate_files"));
    }
    const std::string m = what + " expires on " + format_utc(c.not_after).substr(0, 10) + ", in " +
                          days_until(c.not_after, now);
    if (c.not_after - now < k_expiry_warning)
      return out.push_back(warn("certificates", "", m,
                                c.key == "merchant.certificate_file"
                                    ? "renew the merchant API certificate now (商户平台 → API安全) and update the config"
                                    : "download the platform's next certificate (or switch to the public key) before then"));
    out.push_back(ok("certificates", "", m));
  };
  if (s.merchant_certificate) judge(*s.merchant_certificate, true);
  else
    out.push_back(warn("certificates", "", "no [merchant] certificate_file: its expiry cannot be watched",
                       "set [merchant] certificate_file to apiclient_cert.pem"));
  for (const auto& c : s.platform_certificates) {
    const bool others_valid =
        s.has_public_key || std::any_of(s.platform_certificates.begin(), s.platform_certificates.end(),
                                        [&](const CertificateFact& o) { return &o != &c && o.not_after > now; });
    judge(c, others_valid);
  }
  return out;
}

std::optional<TimePoint> parse_http_date(std::string_view date) {
  static constexpr std::array<std::string_view, 12> k_months{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                             "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  // "Www, DD Mon YYYY HH:MM:SS GMT"
  if (date.size() != 29 || date.substr(3, 2) != ", " || date.substr(25) != " GMT") return std::nullopt;
  auto num = [&](std::size_t at, std::size_t n) -> std::optional<int> {
    int v = 0;
    const char* b = date.data() + at;
    if (auto [p, ec] = std::from_chars(b, b + n, v); ec != std::errc{} || p != b + n) return std::nullopt;
    return v;
  };
  const auto month = std::find(k_months.begin(), k_months.end(), date.substr(8, 3));
  const auto d = num(5, 2), y = num(12, 4), h = num(17, 2), mi = num(20, 2), sec = num(23, 2);
  if (month == k_months.end() || !d || !y || !h || !mi || !sec || date[16] != ' ' || date[19] != ':' || date[22] != ':')
    return std::nullopt;
  const std::chrono::year_month_day ymd{std::chrono::year{*y},
                                        std::chrono::month{static_cast<unsigned>(month - k_months.begin() + 1)},
                                        std::chrono::day{static_cast<unsigned>(*d)}};
  if (!ymd.ok() || *h > 23 || *mi > 59 || *sec > 60) return std::nullopt;
  return TimePoint{std::chrono::sys_days{ymd}} + std::chrono::hours{*h} + std::chrono::minutes{*mi} +
         std::chrono::seconds{*sec};
}

} // namespace recharged::diagnose
