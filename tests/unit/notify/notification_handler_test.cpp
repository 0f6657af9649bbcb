#include "notify/notification_handler.hpp"

#include "crypto/base64.hpp"
#include "engine/order_request.hpp"
#include "logging/setup.hpp"
#include "storage/database.hpp"
#include "storage/sqlite_order_store.hpp"
#include "tests/support/keys.hpp"
#include "tests/support/temp_dir.hpp"
#include "wxpay/codec.hpp"
#include "wxpay/notification.hpp"

#include <doctest/doctest.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/ostream_sink.h>

#include <sstream>

using namespace recharged;
using namespace std::chrono;
using orders::OrderState;

namespace {

const TimePoint k_now = parse_rfc3339("2026-11-23T12:00:00+08:00").value();

// Plans "one minute from now" for open orders; enough for the handler's bookkeeping.
class MinutePlanner final : public engine::Planner {
public:
  engine::Plan next(const orders::Order&, TimePoint now) const override { return {now + minutes{1}, false, "test"}; }
  TimePoint close_deadline(const orders::Order& o) const override { return o.created_at + days{6}; }
  TimePoint close_deadline_after_return(const orders::Order& o, TimePoint returned_at) const override {
    return std::max(o.close_after, returned_at + hours{12});
  }
};

struct Rig {
  std::ostringstream log_text; // what the handler logged, one line per event
  std::shared_ptr<spdlog::logger> log =
      std::make_shared<spdlog::logger>("notify", std::make_shared<spdlog::sinks::ostream_sink_mt>(log_text));

  Rig() : clock(k_now) {
    storage::DatabaseOptions options;
    options.path = dir / "n.db";
    auto db = storage::Database::open(options, storage::MigrationMode::create);
    REQUIRE(db.ok());
    database = std::move(*db);
    store = std::make_unique<storage::SqliteOrderStore>(*database);
    handler = std::make_unique<notify::NotificationHandler>(notify::HandlerContext{
        *store, planner, clock, keys.public_key_mode(), keys.apiv3_key, keys.merchant.mchid,
        log, [this](const std::string& no) { confirmed.push_back(no); }});
  }

  // An order we hold as RECHARGING, 100.00 CNY, accepted at k_now.
  orders::Order order(const std::string& no, OrderState state = OrderState::recharging) {
    wxpay::ApplyRequest r;
    r.sub_mchid = "1900000101";
    r.out_recharge_no = no;
    r.recharge_scene = wxpay::RechargeScene::ecommerce_deposit;
    r.account_type = wxpay::AccountType::deposit;
    r.recharge_amount = {10'000, "CNY"};
    auto o = engine::order_from_request(r, k_now);
    o.close_after = k_now + days{6};
    auto inserted = store->insert_new(o, k_now);
    REQUIRE(inserted.ok());
    if (state != OrderState::new_order) {
      storage::OrderUpdate u;
      u.order_id = inserted->order.id;
      u.expect_state = OrderState::new_order;
      u.new_state = OrderState::recharging;
      u.updated_at = k_now;
      u.recharge_id = "1002026112300000000" + no.substr(no.size() - 2);
      REQUIRE(store->commit_one(u).ok());
    }
    return stored(no);
  }

  orders::Order stored(const std::string& no) {
    auto o = store->find(no);
    REQUIRE(o.ok());
    REQUIRE(o->has_value());
    return **o;
  }

  // The platform's view of `o` in `state` (what the resource of a RECHARGE.* notification holds).
  wxpay::MchDeposit deposit(const orders::Order& o, wxpay::RechargeState state) {
    wxpay::MchDeposit d;
    d.sp_mchid = keys.merchant.mchid;
    d.sub_mchid = o.sub_mchid;
    d.recharge_id = o.recharge_id;
    d.out_recharge_no = o.out_recharge_no;
    d.account_type = wxpay::AccountType::deposit;
    d.recharge_scene = wxpay::RechargeScene::ecommerce_deposit;
    d.recharge_state = state;
    d.recharge_amount = {o.amount, "CNY"};
    d.accept_time = k_now;
    if (state == wxpay::RechargeState::success) {
      d.recharge_channel = wxpay::RechargeChannel::qr_recharge;
      d.success_time = k_now + minutes{2};
    } else if (state == wxpay::RechargeState::closed) {
      d.close_time = k_now + minutes{2};
    }
    return d;
  }

  // The resource of a RECHARGE.FUND_RETURNED notification for `o`: a bank transfer sent back.
  wxpay::FundReturned fund_returned(const orders::Order& o, std::string id, Fen amount, std::string reason,
                                    TimePoint at) {
    wxpay::FundReturned fr;
    fr.recharge_returned_id = std::move(id);
    fr.sp_mchid = keys.merchant.mchid;
    fr.sub_mchid = o.sub_mchid;
    fr.out_recharge_no = o.out_recharge_no;
    fr.recharge_id = o.recharge_id;
    fr.recharge_channel = wxpay::RechargeChannel::bank_transfer;
    fr.amount = wxpay::Amount{amount, "CNY"};
    fr.return_reason = std::move(reason);
    fr.return_time = at;
    return fr;
  }

  struct Wire {
    http::Headers headers;
    std::string body;
  };

  // A genuine notification: resource sealed with the APIv3 key, body signed by the platform key.
  Wire notification(const std::string& id, const std::string& event_type, const std::string& plaintext,
                    std::string aad = "recharge") {
    wxpay::Notification n;
    n.id = id;
    n.create_time = clock.now();
    n.event_type = event_type;
    n.resource_type = "encrypt-resource";
    n.summary = "充值成功";
    auto sealed = wxpay::seal_resource(keys.apiv3_key, "recharge", plaintext, "nonce1234567", std::move(aad));
    REQUIRE(sealed.ok());
    n.resource = *sealed;
    Wire w;
    w.body = wxpay::encode(n);
    sign(w);
    return w;
  }

  void sign(Wire& w, std::int64_t timestamp_offset = 0) {
    wxpay::sign_response(keys.platform.key, keys.platform.public_key_id, w.body,
                         unix_seconds(clock.now()) + timestamp_offset, "sigNonce0123456789", w.headers);
  }

  notify::Reply send(const Wire& w) { return handler->handle(w.headers, w.body); }

  std::size_t events(const std::string& no) {
    auto e = store->events(stored(no).id);
    REQUIRE(e.ok());
    return e->size();
  }

  ManualClock clock;
  test::TempDir dir;
  const test::TestKeys& keys = test::TestKeys::shared();
  MinutePlanner planner;
  std::unique_ptr<storage::Database> database;
  std::unique_ptr<storage::OrderStore> store;
  std::unique_ptr<notify::NotificationHandler> handler;
  std::vector<std::string> confirmed;
};

} // namespace

TEST_CASE("a genuine RECHARGE.SUCCESS is recorded before the 204 and followed by a confirming query") {
  Rig r;
  const auto o = r.order("RCN01");
  const auto reply = r.send(r.notification("EV-1", "RECHARGE.SUCCESS",
                                           wxpay::encode(r.deposit(o, wxpay::RechargeState::success))));
  CHECK(reply.status == 204);
  CHECK(reply.body.empty());
  CHECK(reply.outcome == orders::NotificationOutcome::applied);
  CHECK(reply.event_type == "RECHARGE.SUCCESS");
  const auto after = r.stored("RCN01");
  CHECK(after.state == OrderState::success);
  CHECK(after.recharge_channel == "QR_RECHARGE");
  CHECK(r.confirmed == std::vector<std::string>{"RCN01"});
  auto notes = r.store->notifications("RCN01");
  REQUIRE(notes.ok());
  REQUIRE(notes->size() == 1);
  CHECK(notes->front().outcome == orders::NotificationOutcome::applied);
  auto events = r.store->events(after.id);
  REQUIRE(events.ok());
  CHECK(events->back().source == orders::EventSource::notify);
  CHECK(events->back().evidence.find("RCN01") != std::string::npos);
}

TEST_CASE("a replayed notification is answered 204 and changes nothing the second time") {
  Rig r;
  const auto o = r.order("RCN02");
  const auto wire = r.notification("EV-2", "RECHARGE.CLOSED", wxpay::encode(r.deposit(o, wxpay::RechargeState::closed)));
  CHECK(r.send(wire).outcome == orders::NotificationOutcome::applied);
  const auto before = r.events("RCN02");
  const auto again = r.send(wire);
  CHECK(again.status == 204);
  CHECK(again.outcome == orders::NotificationOutcome::duplicate);
  CHECK(r.events("RCN02") == before);
  CHECK(r.stored("RCN02").state == OrderState::closed);
}

TEST_CASE("forged, tampered, stale and probe notifications are refused and change nothing") {
  Rig r;
  const auto o = r.order("RCN03");
  const std::string plaintext = wxpay::encode(r.deposit(o, wxpay::RechargeState::success));
  struct Case {
    const char* name;
    std::function<void(Rig::Wire&)> spoil;
    int status;
    orders::NotificationOutcome outcome;
  };
  const std::vector<Case> cases{
      {"signed with another key",
       [&](Rig::Wire& w) {
         wxpay::sign_response(crypto::PrivateKey::generate(), r.keys.platform.public_key_id, w.body,
                              unix_seconds(r.clock.now()), "n", w.headers);
       },
       401, orders::NotificationOutcome::bad_signature},
      {"body changed after signing", [](Rig::Wire& w) { w.body.replace(w.body.find("EV-"), 3, "EX-"); }, 401,
       orders::NotificationOutcome::bad_signature},
      {"timestamp 300 s old", [&](Rig::Wire& w) { r.sign(w, -300); }, 401, orders::NotificationOutcome::stale},
      {"timestamp 301 s in the future", [&](Rig::Wire& w) { r.sign(w, 301); }, 401, orders::NotificationOutcome::stale},
      {"probe signature",
       [](Rig::Wire& w) { w.headers.set("Wechatpay-Signature", "WECHATPAY/SIGNTEST/" + std::string(40, 'A')); }, 401,
       orders::NotificationOutcome::probe},
      {"unknown serial", [](Rig::Wire& w) { w.headers.set("Wechatpay-Serial", "PUB_KEY_ID_9999"); }, 401,
       orders::NotificationOutcome::bad_signature},
      {"no signature header", [](Rig::Wire& w) { w.headers = http::Headers{}; }, 401, orders::NotificationOutcome::bad_signature},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    auto wire = r.notification("EV-3", "RECHARGE.SUCCESS", plaintext);
    c.spoil(wire);
    const auto reply = r.send(wire);
    CHECK(reply.status == c.status);
    CHECK(reply.outcome == c.outcome);
    CHECK(reply.body.find("\"code\":\"FAIL\"") != std::string::npos);
    CHECK(r.stored("RCN03").state == OrderState::recharging);
  }
  auto notes = r.store->notifications("RCN03");
  REQUIRE(notes.ok());
  CHECK(notes->empty()); // nothing about them was recorded as a notification
  CHECK(r.confirmed.empty());
}

TEST_CASE("tampered ciphertext, tag or associated data fails decryption and changes nothing") {
  Rig r;
  const auto o = r.order("RCN04");
  const std::string plaintext = wxpay::encode(r.deposit(o, wxpay::RechargeState::success));
  const auto tamper = [&](const std::function<void(wxpay::Notification&)>& change) {
    auto wire = r.notification("EV-4", "RECHARGE.SUCCESS", plaintext);
    auto n = wxpay::decode_notification(wire.body);
    REQUIRE(n.ok());
    change(*n);
    wire.body = wxpay::encode(*n);
    wire.headers = http::Headers{};
    r.sign(wire); // validly signed: only the encryption layer is wrong
    return r.send(wire);
  };
  const auto flip = [](std::string& b64, std::size_t from_end) {
    auto raw = crypto::base64_decode(b64).value();
    raw[raw.size() - from_end] = static_cast<char>(raw[raw.size() - from_end] ^ 0x01);
    b64 = crypto::base64_encode(raw);
  };
  CHECK(tamper([&](wxpay::Notification& n) { flip(n.resource.ciphertext, 20); }).outcome == orders::NotificationOutcome::decrypt); // body
  CHECK(tamper([&](wxpay::Notification& n) { flip(n.resource.ciphertext, 1); }).outcome == orders::NotificationOutcome::decrypt);  // GCM tag
  CHECK(tamper([](wxpay::Notification& n) { n.resource.associated_data = "certificate"; }).outcome == orders::NotificationOutcome::decrypt);
  CHECK(tamper([](wxpay::Notification& n) { n.resource.nonce = "nonce7654321"; }).outcome == orders::NotificationOutcome::decrypt);
  CHECK(tamper([](wxpay::Notification& n) { n.resource.algorithm = "AEAD_AES_128_GCM"; }).outcome == orders::NotificationOutcome::decrypt);
  CHECK(r.stored("RCN04").state == OrderState::recharging);
}

TEST_CASE("malformed JSON, even when signed, is refused with 400") {
  Rig r;
  for (const std::string body : {"not json", "{\"id\":\"EV-5\"}", "[]"}) {
    Rig::Wire w;
    w.body = body;
    r.sign(w);
    const auto reply = r.send(w);
    CHECK(reply.status == 400);
    CHECK(reply.outcome == orders::NotificationOutcome::malformed);
  }
  const auto o = r.order("RCN05");
  (void)o;
  const auto bad_resource = r.send(r.notification("EV-5b", "RECHARGE.SUCCESS", "{\"sp_mchid\": 5}"));
  CHECK(bad_resource.status == 400);
  CHECK(r.stored("RCN05").state == OrderState::recharging);
}

TEST_CASE("an unknown event type is kept, answered 204 and changes nothing") {
  Rig r;
  const auto o = r.order("RCN06");
  const auto reply = r.send(r.notification("EV-6", "RECHARGE.SOMETHING_NEW", wxpay::encode(r.deposit(o, wxpay::RechargeState::success))));
  CHECK(reply.status == 204);
  CHECK(reply.outcome == orders::NotificationOutcome::ignored);
  CHECK(r.stored("RCN06").state == OrderState::recharging);
}

TEST_CASE("a notification for an unknown order is refused and changes nothing") {
  Rig r;
  const auto o = r.order("RCN07");
  auto view = r.deposit(o, wxpay::RechargeState::success);
  view.out_recharge_no = "RCNOTOURS";
  const auto reply = r.send(r.notification("EV-7", "RECHARGE.SUCCESS", wxpay::encode(view)));
  CHECK(reply.status == 404);
  CHECK(reply.outcome == orders::NotificationOutcome::unknown_order);
  CHECK(r.stored("RCN07").state == OrderState::recharging);
  // WeChat Pay's retry of the same notification gets the same answer, not a 2xx for a "duplicate".
  const auto retry = r.send(r.notification("EV-7", "RECHARGE.SUCCESS", wxpay::encode(view)));
  CHECK(retry.status == 404);
  CHECK(retry.outcome == orders::NotificationOutcome::unknown_order);
}

TEST_CASE("a notification that moves or quarantines an order writes the same log lines as a poll would") {
  Rig r;
  const auto paid = r.order("RCN71");
  REQUIRE(r.send(r.notification("EV-71", "RECHARGE.SUCCESS", wxpay::encode(r.deposit(paid, wxpay::RechargeState::success))))
              .outcome == orders::NotificationOutcome::applied);
  auto view = r.deposit(r.order("RCN72"), wxpay::RechargeState::success);
  view.recharge_amount.amount = 1;
  REQUIRE(r.send(r.notification("EV-72", "RECHARGE.SUCCESS", wxpay::encode(view))).status == 204);
  const std::string text = r.log_text.str();
  CAPTURE(text);
  CHECK(text.find("event=order_state_changed out_recharge_no=RCN71") != std::string::npos);
  CHECK(text.find("old=RECHARGING new=SUCCESS source=notify") != std::string::npos);
  CHECK(text.find("event=order_state_changed out_recharge_no=RCN72") != std::string::npos);
  CHECK(text.find("new=SUSPECT source=notify") != std::string::npos);
  // A repeat of a delivery that moved nothing new writes no second line.
  const auto lines = std::count(text.begin(), text.end(), '\n');
  REQUIRE(r.send(r.notification("EV-71", "RECHARGE.SUCCESS", wxpay::encode(r.deposit(paid, wxpay::RechargeState::success))))
              .outcome == orders::NotificationOutcome::duplicate);
  const std::string after = r.log_text.str();
  CHECK(after.find("order_state_changed", text.size()) == std::string::npos);
  CHECK(std::count(after.begin(), after.end(), '\n') == lines + 1); // only the notify_duplicate line
}

TEST_CASE("a notification whose amount differs from ours quarantines the order instead of paying it") {
  Rig r;
  const auto o = r.order("RCN08");
  auto view = r.deposit(o, wxpay::RechargeState::success);
  view.recharge_amount.amount = 1;
  const auto reply = r.send(r.notification("EV-8", "RECHARGE.SUCCESS", wxpay::encode(view)));
  CHECK(reply.status == 204);
  CHECK(r.stored("RCN08").state == OrderState::suspect);
}

TEST_CASE("a notification contradicting a terminal order is recorded as an alert and applied nowhere") {
  Rig r;
  const auto o = r.order("RCN09");
  REQUIRE(r.send(r.notification("EV-9a", "RECHARGE.CLOSED", wxpay::encode(r.deposit(o, wxpay::RechargeState::closed)))).outcome == orders::NotificationOutcome::applied);
  const auto reply = r.send(r.notification("EV-9b", "RECHARGE.SUCCESS", wxpay::encode(r.deposit(r.stored("RCN09"), wxpay::RechargeState::success))));
  CHECK(reply.status == 204);
  CHECK(reply.outcome == orders::NotificationOutcome::alert);
  CHECK(r.stored("RCN09").state == OrderState::closed);
  auto events = r.store->events(o.id);
  REQUIRE(events.ok());
  CHECK(events->back().kind == orders::EventKind::alert);
}

TEST_CASE("a fund return is recorded with its amount, reason and time and moves nothing") {
  Rig r;
  const auto o = r.order("RCN10");
  wxpay::FundReturned fr = r.fund_returned(o, "10171652448612345612345678", 9'900, "充值金额与充值单要求不一致",
                                           k_now + hours{1});
  const auto reply = r.send(r.notification("EV-10", "RECHARGE.FUND_RETURNED", wxpay::encode(fr)));
  CHECK(reply.status == 204);
  CHECK(reply.outcome == orders::NotificationOutcome::fund_returned);
  CHECK(r.stored("RCN10").state == OrderState::recharging);
  auto returns = r.store->fund_returns(o.id);
  REQUIRE(returns.ok());
  REQUIRE(returns->size() == 1);
  CHECK(returns->front().amount == std::optional<Fen>(9'900));
  CHECK(returns->front().return_reason == "充值金额与充值单要求不一致");
  CHECK(returns->front().return_time == fr.return_time);
}

TEST_CASE("a fund return near the stale close moves the close past the payer's likely retry") {
  Rig r;
  const auto o = r.order("RCN11");
  REQUIRE(o.close_after == k_now + days{6});
  wxpay::FundReturned fr =
      r.fund_returned(o, "10171652448612345612345679", 10'000, "账户名称不符", k_now + days{5} + hours{20});
  r.clock.set(*fr.return_time + minutes{1});
  const auto reply = r.send(r.notification("EV-11", "RECHARGE.FUND_RETURNED", wxpay::encode(fr)));
  CHECK(reply.outcome == orders::NotificationOutcome::fund_returned);
  const auto after = r.stored("RCN11");
  CHECK(after.state == OrderState::recharging);
  CHECK(after.close_after == *fr.return_time + hours{12}); // the planner's close after a return
  CHECK(after.next_poll_at == r.clock.now() + minutes{1});  // re-planned with the moved close
}

TEST_CASE("a notification for an order still NEW asks for a query rather than jumping states") {
  Rig r;
  const auto o = r.order("RCN11", OrderState::new_order);
  auto view = r.deposit(o, wxpay::RechargeState::success);
  view.recharge_id = "100202611230000000099";
  const auto reply = r.send(r.notification("EV-11", "RECHARGE.SUCCESS", wxpay::encode(view)));
  CHECK(reply.status == 204);
  CHECK(reply.outcome == orders::NotificationOutcome::queued_for_query);
  CHECK(r.stored("RCN11").state == OrderState::new_order);
  CHECK(r.confirmed == std::vector<std::string>{"RCN11"});
}
