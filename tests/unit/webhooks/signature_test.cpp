#include "webhooks/signature.hpp"

#include "crypto/base64.hpp"

#include <doctest/doctest.h>

using namespace recharged;
using namespace recharged::webhooks;

namespace {

// The Standard Webhooks specification's own example: secret, message id, timestamp, body and signature.
constexpr std::string_view k_spec_secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr std::string_view k_spec_id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
constexpr std::int64_t k_spec_ts = 1614265330;
constexpr std::string_view k_spec_body = R"({"test": 2432232314})";
constexpr std::string_view k_spec_signature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

Secret spec_secret() { return Secret::parse(k_spec_secret, "secret").value(); }

} // namespace

TEST_CASE("signing reproduces the Standard Webhooks specification's example signature") {
  const auto h = sign(k_spec_id, k_spec_ts, k_spec_body, {spec_secret()});
  CHECK(h.id == k_spec_id);
  CHECK(h.timestamp == "1614265330");
  CHECK(h.signature == k_spec_signature);
  CHECK(verify(spec_secret(), k_spec_id, "1614265330", k_spec_body, k_spec_signature, k_spec_ts));
}

TEST_CASE("during a rotation both secrets sign, and a receiver holding either one verifies") {
  const Secret old_one = spec_secret();
  const Secret new_one = Secret::parse(Secret::generate(), "secret").value();
  const auto h = sign("evt_7", 1'800'000'000, "{}", {new_one, old_one});
  CHECK(h.signature.find(' ') != std::string::npos);
  CHECK(verify(old_one, "evt_7", h.timestamp, "{}", h.signature, 1'800'000'000));
  CHECK(verify(new_one, "evt_7", h.timestamp, "{}", h.signature, 1'800'000'000));
}

TEST_CASE("verification refuses a changed body, id or timestamp, a stale timestamp and a foreign secret") {
  const Secret s = spec_secret();
  const auto h = sign("evt_1", 1'800'000'000, R"({"a":1})", {s});
  CHECK_FALSE(verify(s, "evt_1", h.timestamp, R"({"a":2})", h.signature, 1'800'000'000));
  CHECK_FALSE(verify(s, "evt_2", h.timestamp, R"({"a":1})", h.signature, 1'800'000'000));
  CHECK_FALSE(verify(s, "evt_1", "1800000001", R"({"a":1})", h.signature, 1'800'000'000));
  CHECK_FALSE(verify(s, "evt_1", h.timestamp, R"({"a":1})", h.signature, 1'800'000'000 + 301));
  CHECK_FALSE(verify(Secret::parse(Secret::generate(), "s").value(), "evt_1", h.timestamp, R"({"a":1})", h.signature,
                     1'800'000'000));
  CHECK_FALSE(verify(s, "evt_1", "-5", R"({"a":1})", h.signature, 1'800'000'000));
}

TEST_CASE("a secret must be whsec_ and the Base64 of 24 to 64 bytes, and its error never shows it") {
  for (const char* bad : {"", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_", "whsec_not base64!", "whsec_c2hvcnQ="}) {
    auto s = Secret::parse(bad, "webhooks.backoffice.secret_file");
    REQUIRE_FALSE(s.ok());
    CHECK(s.error().field == "webhooks.backoffice.secret_file");
    if (std::string_view(bad).size() > 6) CHECK(s.error().message.find(std::string(bad).substr(6)) == std::string::npos);
  }
  const auto fresh = Secret::generate();
  CHECK(fresh.starts_with("whsec_"));
  CHECK(Secret::parse(fresh, "s").value().key().size() == 32);
}
