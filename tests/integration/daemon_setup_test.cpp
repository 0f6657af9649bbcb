// The daemon and a set-up gone wrong under it: when the platform starts signing in the other mode, the first
// answer that fails verification logs the set-up diagnosis once (not per call), and /metrics shows when the
// configured certificates expire.

#include "core/file.hpp"
#include "crypto/certificate.hpp"
#include "tests/integration/rig.hpp"

#include <doctest/doctest.h>

#include <signal.h>

using namespace recharged;
using namespace recharged::test;

namespace {

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size())) ++n;
  return n;
}

} // namespace

TEST_CASE("the first answer that fails verification logs the set-up diagnosis once; /metrics shows certificate expiry") {
  RigOptions o;
  o.speed = 60; // dense polls every ~1.5 s
  Rig rig(o);
  rig.config().metrics_enabled = true;
  rig.write_config();
  const auto applied = rig.cli({"apply", "--sub-mchid", rig.sub_mchid(), "--amount", "50.00", "--out-recharge-no", "DSETUP1"});
  INFO(applied.err);
  REQUIRE(applied.status.exited(0));

  // The platform moves the merchant to certificate mode; the config holds only the public key.
  sandbox::FaultConfig f;
  REQUIRE(sandbox::set_fault(f, "sign_with", "certificate").ok());
  rig.sandbox().sandbox().faults().set_config(f);
  auto daemon = rig.start_daemon();
  REQUIRE(rig.wait_for_log("event=listening", Millis{30'000}));
  const int metrics = listening_port(rig.daemon_log_text(), "metrics");
  REQUIRE(metrics > 0);

  REQUIRE(rig.wait_for_log("event=setup_diagnosis", Millis{60'000}));
  // Several more refused answers, and still one diagnosis.
  REQUIRE(eventually([&] { return count(rig.daemon_log_text(), "outcome=signature") >= 3; }, Millis{60'000},
                     Millis{50}));
  const std::string log = rig.daemon_log_text();
  CHECK(count(log, "check=answer_key") == 1);
  const auto at = log.find("check=answer_key");
  const std::string line = log.substr(at, log.find('\n', at) - at);
  CHECK(line.find("status=fail") != std::string::npos);
  CHECK(line.find("certificate mode") != std::string::npos);
  CHECK(line.find(rig.sandbox().state().platform.certificate_serial) != std::string::npos);
  CHECK(log.find("trigger=answer_signature:unknown_serial") != std::string::npos);

  const auto scraped = http_get(metrics, "/metrics");
  REQUIRE(scraped.status == 200);
  const auto cert = crypto::Certificate::from_pem(read_file(rig.sandbox().state().file(sandbox::k_merchant_cert_file)).value());
  REQUIRE(cert.ok());
  const auto expiry = metric(scraped.body, "recharged_certificate_expiry_timestamp_seconds{certificate=\"merchant\",serial=\"" +
                                               cert->serial_hex() + "\"}");
  REQUIRE(expiry.has_value());
  CHECK(*expiry == static_cast<double>(unix_seconds(cert->not_after())));

  daemon->send(SIGTERM);
  CHECK(daemon->wait_for(Millis{10'000}).value_or(ExitStatus{}).exited(0));
}
