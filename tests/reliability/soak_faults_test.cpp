// Fault soak: the real daemon against the sandbox, which answers with 5xx, 429, held answers
// (timeouts), connection resets, bad and probe signatures at meaningful rates and enforces a per-second
// frequency limit, while simulated payers pay, transfers are returned, unpaid links expire at the platform, and
// notifications arrive — some badly signed. A man in the middle (tests/reliability/lying_proxy.hpp) also swaps
// a share of the good answers for forged ones, and a forger posts forged notifications to the daemon's
// listener. The daemon must end with every order as the platform has it, no state changed by anything that was
// not validly signed, and its rate limits respected.
//
// Knobs: RECHARGED_SOAK_ORDERS (default 150), RECHARGED_RELIABILITY_SEED.

#include "tests/reliability/ground_truth.hpp"
#include "tests/reliability/lying_proxy.hpp"
#include "tests/reliability/reliability_rig.hpp"
#include "tests/support/port_relay.hpp"

#include "sandbox/wire.hpp"
#include "wxpay/codec.hpp"
#include "wxpay/notification.hpp"

#include <doctest/doctest.h>

#include <signal.h>

#include <algorithm>
#include <atomic>
#include <thread>

using namespace recharged;
using namespace recharged::test;

namespace {

constexpr double k_speed = 60;            // one virtual minute per real second
constexpr double k_query_rate = 0.5;      // the daemon's own limit, per virtual second, per endpoint
constexpr int k_burst = 5;
constexpr int k_platform_limit = 40;      // the sandbox's frequency limit, per real second and endpoint

RigOptions soak_options(std::uint64_t seed, int notify_port) {
  RigOptions o;
  o.speed = k_speed;
  o.sandbox.payers = sandbox::Payers::simulated;
  o.sandbox.seed = seed % 100'000 + 1;
  auto mix = sandbox::parse_payer_mix("never=0.3,qr=0.4,bank=0.2,online=0.3,qr_delay=4m,online_delay=8m,"
                                      "bank_delay=15m,spread=0.4,returned=0.15,repay=0.5");
  REQUIRE(mix.ok());
  o.sandbox.payer_mix = *mix;
  o.sandbox.link_ttl = std::chrono::minutes{61}; // some unpaid links expire before the daemon's close lands
  o.sandbox.notifier.notify_target = "http://127.0.0.1:" + std::to_string(notify_port);
  return o;
}

const std::vector<std::pair<std::string, std::string>> k_soak_faults{
    {"server_error", "0.06"},   {"rate_limited", "0.04"}, {"reset", "0.04"},         {"timeout", "0.01"},
    {"timeout_hold", "4s"},     {"bad_signature", "0.05"}, {"probe_signature", "0.03"}, {"latency", "0.1"},
    {"latency_duration", "40ms"}, {"notify_bad_signature", "0.15"}, {"notify_probe_signature", "0.1"},
    {"frequency_limit", std::to_string(k_platform_limit)}};

std::string number(double v) { return std::to_string(v); }

void configure(Rig& rig, const LyingProxy& proxy) {
  RigConfig& c = rig.config();
  c.notify_enabled = true;
  c.notify_port = 0; // any: the relay follows the port the daemon logs
  c.busy_timeout = "10s";
  c.concurrency = 4;
  c.schedule = {{"stale_close_age", "1h"}, {"close_latest_age", "1h20m"}};
  write_edited_config(rig, [&](std::string t) {
    t = set_toml(std::move(t), "platform", "base_url", "\"" + proxy.base_url() + "\"");
    for (const char* key : {"query_rate", "apply_rate", "close_rate"}) t = set_toml(std::move(t), "limits", key, number(k_query_rate));
    return set_toml(std::move(t), "limits", "burst", std::to_string(k_burst));
  });
}

// Posts forged notifications about orders the platform still has RECHARGING ("it was paid!"): signed by an
// attacker, as a probe, replayed with a stale timestamp under the real platform key, or sealed with a wrong
// APIv3 key. Counts the answers by status.
class Forger {
public:
  Forger(Rig& rig, int port) : rig_(rig), port_(port), attacker_(crypto::PrivateKey::generate(2048)) {}

  void post_one(std::size_t n) {
    std::optional<sandbox::MchDeposit> target;
    for (const auto& t : rig_.platform().orders())
      if (t.deposit.recharge_state == sandbox::RechargeState::recharging) target = t.deposit;
    if (!target) return;
    target->recharge_state = sandbox::RechargeState::success;
    target->recharge_channel = sandbox::RechargeChannel::qr_recharge;
    target->success_time = rig_.clock().now();
    const int kind = static_cast<int>(n % 4);
    const auto& state = rig_.sandbox().state();
    const std::string key = kind == 3 ? std::string(32, 'x') : state.platform.apiv3_key;
    auto resource = wxpay::seal_resource(key, "recharge", sandbox::write_order(*target), "forgedNonce1", "recharge");
    if (!resource) return; // (no doctest assertions off the main thread)
    wxpay::Notification envelope;
    envelope.id = "FORGED-" + std::to_string(n);
    envelope.create_time = rig_.clock().now();
    envelope.event_type = "RECHARGE.SUCCESS";
    envelope.resource_type = "encrypt-resource";
    envelope.summary = "充值成功";
    envelope.resource = *resource;
    const std::string body = wxpay::encode(envelope);
    http::Headers h;
    std::int64_t ts = unix_seconds(rig_.clock().now());
    if (kind == 2) ts -= 400; // a replay: the real key, but far outside ±300 s
    const bool real_key = kind == 2 || kind == 3;
    wxpay::sign_response(real_key ? state.platform.private_key : attacker_, state.platform.public_key_id, body, ts,
                         "forgedNonce", h);
    if (kind == 1)
      h.set("Wechatpay-Signature", std::string(wxpay::k_probe_prefix) + std::string(h.get("Wechatpay-Signature").value_or("")));
    std::vector<std::pair<std::string, std::string>> headers;
    for (const auto& [k, v] : h.all()) headers.emplace_back(k, v);
    const auto answer = http_post(port_, "/wxpay/recharge-notify", body, headers);
    ++answers_[answer.status];
  }

  [[nodiscard]] const std::map<int, std::size_t>& answers() const { return answers_; }

private:
  Rig& rig_;
  int port_;
  crypto::PrivateKey attacker_;
  std::map<int, std::size_t> answers_;
};

bool all_final(const Rig& rig) {
  for (const auto& o : rig.orders())
    if (o.state != orders::OrderState::success && o.state != orders::OrderState::closed) return false;
  return true;
}

std::uint64_t count(const std::map<std::string, std::uint64_t>& m, const std::string& key) {
  const auto it = m.find(key);
  return it == m.end() ? 0 : it->second;
}

std::uint64_t refusals(const sandbox::CallStats& s, const std::string& endpoint) {
  const auto calls = s.calls.find(endpoint);
  if (calls == s.calls.end()) return 0;
  const auto it = calls->second.find(429);
  return it == calls->second.end() ? 0 : it->second;
}

// 429s the platform gave for its frequency limit, i.e. beyond the injected rate_limited faults.
std::uint64_t frequency_refusals(const sandbox::CallStats& s) {
  std::uint64_t n = 0;
  for (const auto& [endpoint, by_status] : s.calls) n += refusals(s, endpoint);
  return n - count(s.faults, "rate_limited");
}

// " query=3 apply=0 …": 429s per endpoint between two snapshots.
std::string refusals_since(const sandbox::CallStats& before, const sandbox::CallStats& after) {
  std::string out;
  for (const auto& [endpoint, by_status] : after.calls)
    out += " " + endpoint + "=" + std::to_string(refusals(after, endpoint) - refusals(before, endpoint));
  return out;
}

// "query: 36 at …" per endpoint: the most calls that reached the proxy within one real second after `from`.
std::string busiest_second(const LyingProxy& proxy, TimePoint from) {
  const auto window = std::chrono::duration_cast<Millis>(std::chrono::duration<double>(k_speed));
  std::string out;
  for (const auto endpoint : {wxpay::Endpoint::apply, wxpay::Endpoint::query, wxpay::Endpoint::close}) {
    std::vector<TimePoint> a;
    for (const TimePoint t : proxy.arrivals(endpoint))
      if (t > from) a.push_back(t);
    std::size_t worst = 0;
    TimePoint at{};
    for (std::size_t i = 0, j = 0; i < a.size(); ++i) {
      while (a[i] - a[j] >= window) ++j;
      if (i - j + 1 > worst) std::tie(worst, at) = std::pair{i - j + 1, a[i]};
    }
    out += " " + std::string(wxpay::to_string(endpoint)) + ": " + std::to_string(worst) + " at " + format_utc(at);
  }
  return out;
}

} // namespace

TEST_CASE("under injected faults, forged answers and forged notifications every order still ends as the platform says") {
  const std::uint64_t seed = reliability_seed();
  const std::size_t total = env_count("RECHARGED_SOAK_ORDERS", 150);
  MESSAGE("soak: seed " << seed << ", " << total << " orders");
  // The daemon binds its notify listener on port 0; the sandbox and the forger reach it through a relay.
  std::unique_ptr<Rig> owner;
  PortRelay relay([&] { return owner ? last_listening_port(owner->daemon_log_text(), "notify") : 0; });
  const int notify_port = relay.port();
  owner = std::make_unique<Rig>(soak_options(seed, notify_port));
  Rig& rig = *owner;
  LyingProxyOptions po;
  po.upstream = rig.sandbox().base();
  po.trusted = rig.sandbox().platform_keys();
  po.public_key_id = rig.sandbox().public_key_id();
  po.forge_rate = 0.08;
  po.seed = seed;
  LyingProxy proxy(po, rig.clock());
  proxy.start();
  configure(rig, proxy);
  set_faults(rig, k_soak_faults);

  auto daemon = rig.start_daemon();
  REQUIRE_MESSAGE(rig.wait_for_log("event=daemon_started", Millis{30'000}), rig.daemon_log_text());
  std::atomic<bool> forging{true};
  Forger forger(rig, notify_port);
  std::thread forge_thread([&] {
    for (std::size_t n = 0; forging.load(); ++n) {
      forger.post_one(n);
      std::this_thread::sleep_for(std::chrono::milliseconds{150}); // the forger's pace: load, not synchronisation
    }
  });

  std::size_t applied = 0;
  for (std::size_t i = 0; i < total; ++i) {
    const auto r = rig.cli({"apply", "--sub-mchid", rig.sub_mchid(i % 3), "--amount", std::to_string(10 + i) + ".50",
                            "--out-recharge-no", order_number("SOAK", i)},
                           Millis{60'000});
    INFO(order_number("SOAK", i), " ", r.err);
    REQUIRE((r.status.exited(0) || r.status.exited(5) || r.status.exited(8)));
    applied += r.status.exited(0) ? 1 : 0;
  }
  // From here on every API call is the daemon's, and the CLIs' last calls have left the platform's one-second
  // frequency window, so a refusal for frequency can only be the daemon's doing.
  // The platform's frequency window is one second of real time: letting it pass is the scenario.
  std::this_thread::sleep_for(std::chrono::milliseconds{1'100});
  const TimePoint daemon_alone = rig.clock().now();
  const auto stats_before = rig.sandbox().sandbox().server().stats();
  const Millis patience{std::max<std::int64_t>(600'000, static_cast<std::int64_t>(total) * 3'000)};
  const bool settled = eventually([&] { return all_final(rig) && rig.platform().orders().size() == total; },
                                  patience, Millis{500});
  forging.store(false);
  forge_thread.join();
  daemon->send(SIGTERM);
  const auto stopped = daemon->wait_for(Millis{30'000});
  REQUIRE(stopped);
  CHECK(stopped->exited(0));
  CHECK(settled);

  const DatabaseSnapshot db = read_database(rig.database_path());
  CHECK(db.orders.size() == total);
  const auto problems = audit(db, rig.platform());
  CHECK_MESSAGE(problems.empty(), describe(problems));
  // Every call the platform answered is in order_events with its Request-ID, forgeries mapped to the answers
  // they replaced: nothing killed anything here, so not one may be missing.
  TrailOptions trail;
  trail.substituted = proxy.substituted_request_ids();
  const auto gaps = trail_problems(db, rig.sandbox().sandbox().server(), trail);
  CHECK_MESSAGE(gaps.empty(), describe(gaps));

  // No state changed on an answer that was not genuinely signed: each API-driven state change names the
  // Request-ID of an answer the proxy saw verify; none names a forged one.
  const auto verified = proxy.verified_request_ids();
  const auto forged = proxy.forged_request_ids();
  std::vector<std::string> unverified;
  for (std::size_t i = 0; i < db.orders.size(); ++i)
    for (const auto& e : db.events[i]) {
      if (e.kind != orders::EventKind::state_changed || e.endpoint.empty()) continue;
      if (forged.contains(e.request_id) || !verified.contains(e.request_id))
        unverified.push_back(db.orders[i].out_recharge_no + " event " + std::to_string(e.id) + " " + e.endpoint +
                             " request " + e.request_id + " " + std::string(e.old_state ? orders::to_string(*e.old_state) : "-") +
                             " -> " + std::string(e.new_state ? orders::to_string(*e.new_state) : "-") + ": " + e.message);
    }
  CHECK_MESSAGE(unverified.empty(), describe(unverified));
  for (const auto& id : db.notification_ids) CHECK_MESSAGE(id.rfind("FORGED", 0) != 0, id);

  // The faults really happened, at meaningful rates.
  const auto stats = rig.sandbox().sandbox().server().stats();
  for (const char* kind : {"server_error", "rate_limited", "reset", "timeout", "bad_signature", "probe_signature"})
    CHECK_MESSAGE(count(stats.faults, kind) > 0, kind);
  for (const auto kind : {Forgery::tampered_body, Forgery::attacker_key, Forgery::probe, Forgery::unsigned_answer})
    CHECK_MESSAGE(proxy.forgeries().contains(kind), to_string(kind));
  std::size_t forged_notes = 0;
  for (const auto& [status, n] : forger.answers()) {
    CHECK_MESSAGE((status == 400 || status == 401), "a forged notification was answered " << status);
    forged_notes += n;
  }
  CHECK(forged_notes > 20);

  // The rate limits held: once the daemon was alone, the platform never had to refuse it for frequency (429s
  // beyond the injected ones), and its own calls never outran its token bucket (virtual time, with 6 s of
  // delivery jitter). While the CLI applies, one process after another, each with a bucket of its own, may
  // outrun the platform's limit on apply: those refusals are part of the soak (the orders stay NEW and are
  // recovered by query), not a breach by the daemon.
  const std::uint64_t for_frequency = frequency_refusals(stats);
  CHECK_MESSAGE(for_frequency == frequency_refusals(stats_before),
                "429s since the daemon was alone, by endpoint:" << refusals_since(stats_before, stats)
                                                                << "; busiest real second at the proxy:"
                                                                << busiest_second(proxy, daemon_alone));
  for (const auto endpoint : {wxpay::Endpoint::query, wxpay::Endpoint::close}) {
    std::vector<TimePoint> mine;
    for (const TimePoint t : proxy.arrivals(endpoint))
      if (t > daemon_alone) mine.push_back(t);
    const double excess = worst_rate_excess(mine, k_query_rate, k_burst, Millis{6'000});
    CAPTURE(wxpay::to_string(endpoint));
    CHECK_MESSAGE(excess <= 0, "calls beyond the limit: " << excess << " of " << mine.size());
    if (endpoint == wxpay::Endpoint::query) // the limit was binding: at times the daemon used all of it
      CHECK(worst_rate_excess(mine, k_query_rate / 2, k_burst, Millis{6'000}) > 0);
  }
  const auto counters = rig.platform().counters();
  std::size_t expired = 0;
  for (const auto& t : rig.platform().orders())
    expired += t.deposit.recharge_state == sandbox::RechargeState::closed && t.closes == 0 ? 1 : 0;
  MESSAGE("soak: " << counters.success << " SUCCESS, " << counters.closed << " CLOSED (" << expired
                   << " expired at the platform), " << counters.fund_returns
                   << " fund returns, " << forged.size() << " forged answers, " << forged_notes
                   << " forged notifications, " << count(stats.faults, "rate_limited") << " injected 429s, "
                   << for_frequency << " for frequency (all while the CLI applied), " << applied << " clean applies");
  CHECK(counters.success > 0);
  CHECK(expired > 0);                    // links expired at the platform …
  CHECK(counters.closed > expired);      // … and the daemon closed stale orders itself
}
