// Hostile input: SQL cannot be injected through any field. Text full of quotes, comment markers,
// statement separators and NUL bytes is stored and read back byte for byte — through the storage API in every
// text column, through the command line (remarks, notify URLs, filters, order numbers), and from validly signed
// platform answers carrying it (recharge_url, recharge_state_desc, Request-ID) — and the schema, the row
// counts and every other order stay exactly as they were.

#include "tests/reliability/ground_truth.hpp"
#include "tests/reliability/lying_proxy.hpp"
#include "tests/reliability/reliability_rig.hpp"

#include "storage/database.hpp"
#include "storage/sqlite_order_store.hpp"
#include "wxpay/codec.hpp"

#include <doctest/doctest.h>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <nlohmann/json.hpp>

using namespace recharged;
using namespace recharged::test;
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> k_hostile{
    "'); DROP TABLE orders; --",
    "\"; DELETE FROM order_events; --",
    std::string("before\0after", 12),
    "' OR '1'='1",
    "x'; ATTACH DATABASE '/tmp/recharged-injected.db' AS pwn; --",
    "%' OR 1=1 /*",
    "\xe5\x85\x85\xe5\x80\xbc'\xe2\x80\x99;\\",
};

std::string schema(const fs::path& db) {
  SQLite::Database raw(db.string(), SQLite::OPEN_READONLY, 5'000);
  SQLite::Statement q(raw, "SELECT type || ' ' || name || ' ' || ifnull(sql, '') FROM sqlite_master ORDER BY type, name");
  std::string out;
  while (q.executeStep()) out += q.getColumn(0).getString() + "\n";
  return out;
}

std::int64_t rows(const fs::path& db, const std::string& table) {
  SQLite::Database raw(db.string(), SQLite::OPEN_READONLY, 5'000);
  return raw.execAndGet("SELECT count(*) FROM " + table).getInt64(); // a fixed table name, not input
}

template <class T>
T must(Result<T> r) {
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
  return std::move(*r);
}

orders::Order hostile_order(std::size_t i, const std::string& h, TimePoint now) {
  orders::Order o;
  o.out_recharge_no = "INJ" + std::to_string(i) + h;
  o.sub_mchid = h;
  o.recharge_scene = h;
  o.account_type = h;
  o.amount = 100 + static_cast<Fen>(i);
  o.currency = h;
  o.notify_url = h;
  o.channels = {h}; // (a channel list is stored comma-separated; channels are validated enum names before that)
  o.remark = h;
  o.created_at = now;
  o.updated_at = now;
  o.close_after = now + std::chrono::hours{24};
  o.next_poll_at = now;
  o.next_poll_reason = h;
  return o;
}

storage::OrderUpdate hostile_update(const orders::Order& o, const std::string& h, TimePoint now) {
  storage::OrderUpdate u;
  u.order_id = o.id;
  u.expect_state = orders::OrderState::new_order;
  u.new_state = orders::OrderState::recharging;
  u.updated_at = now;
  u.recharge_id = h;
  u.recharge_url = h;
  u.platform_state = h;
  u.platform_state_desc = h;
  u.recharge_channel = h;
  u.last_error = h;
  u.next_poll_reason = h;
  orders::OrderEvent e;
  e.at = now;
  e.source = orders::EventSource::apply;
  e.kind = orders::EventKind::state_changed;
  e.old_state = orders::OrderState::new_order;
  e.new_state = orders::OrderState::recharging;
  e.endpoint = "apply";
  e.request_id = h;
  e.error_code = h;
  e.message = h;
  e.evidence = h;
  u.events.push_back(e);
  storage::FundReturnRecord f;
  f.recharge_returned_id = "RT" + std::to_string(o.id) + h;
  f.recharge_channel = h;
  f.currency = h;
  f.return_reason = h;
  f.bank_name = h;
  f.bank_card_tail = h;
  f.bank_account_name = h;
  f.received_at = now;
  u.fund_return = f;
  return u;
}

} // namespace

TEST_CASE("hostile text in every column is stored and read back byte for byte, and the schema is untouched") {
  TempDir dir;
  const fs::path path = dir / "injection.db";
  storage::DatabaseOptions options;
  options.path = path;
  auto db = must(storage::Database::open(options, storage::MigrationMode::create));
  auto owned_store = std::make_unique<storage::SqliteOrderStore>(*db);
  storage::OrderStore& store = *owned_store;
  const std::string schema_before = schema(path);
  const TimePoint now = monday_morning();

  for (std::size_t i = 0; i < k_hostile.size(); ++i) {
    const std::string& h = k_hostile[i];
    CAPTURE(i);
    const auto inserted = must(store.insert_new(hostile_order(i, h, now), now));
    REQUIRE(inserted.created);
    const std::vector<storage::OrderUpdate> updates{hostile_update(inserted.order, h, now)};
    REQUIRE(must(store.commit(updates)).front());
    storage::NotificationRecord n;
    n.id = "EV" + std::to_string(i) + h;
    n.event_type = h;
    n.out_recharge_no = inserted.order.out_recharge_no;
    n.received_at = now;
    n.create_time = now;
    n.summary = h;
    n.resource = h;
    n.outcome = orders::NotificationOutcome::applied; // an enum: no text of the sender reaches this column
    REQUIRE_FALSE(must(store.record_notification(n, std::nullopt)).duplicate);

    const auto back = must(store.find(inserted.order.out_recharge_no));
    REQUIRE(back.has_value());
    for (const std::string* field : {&back->sub_mchid, &back->recharge_scene, &back->account_type, &back->currency,
                                     &back->notify_url, &back->remark, &back->recharge_id, &back->recharge_url,
                                     &back->platform_state, &back->platform_state_desc, &back->recharge_channel,
                                     &back->last_error})
      CHECK(*field == h);
    CHECK(back->channels == std::vector<std::string>{h});
    const auto events = must(store.events(back->id));
    REQUIRE(events.size() == 2);
    for (const std::string* field : {&events[1].request_id, &events[1].error_code, &events[1].message, &events[1].evidence})
      CHECK(*field == h);
    const auto notes = must(store.notifications(back->out_recharge_no));
    REQUIRE(notes.size() == 1);
    CHECK(notes[0].id == n.id);
    for (const std::string* field : {&notes[0].event_type, &notes[0].summary, &notes[0].resource})
      CHECK(*field == h);
    const auto returns = must(store.fund_returns(back->id));
    REQUIRE(returns.size() == 1);
    for (const std::string* field : {&returns[0].recharge_channel, &returns[0].return_reason, &returns[0].bank_name,
                                     &returns[0].bank_account_name})
      CHECK(*field == h);
  }

  // Lookups by hostile text match exactly that text and nothing else.
  CHECK_FALSE(must(store.find("INJ0' OR '1'='1")).has_value());
  storage::ListFilter f;
  f.sub_mchid = "' OR '1'='1";
  const auto listed = must(store.list(f)).orders;
  REQUIRE(listed.size() == 1);
  CHECK(listed[0].sub_mchid == "' OR '1'='1");
  f.sub_mchid = "%";
  CHECK(must(store.list(f)).orders.empty());

  owned_store.reset();
  db.reset();
  CHECK(schema(path) == schema_before);
  CHECK(rows(path, "orders") == static_cast<std::int64_t>(k_hostile.size()));
  CHECK(rows(path, "order_events") == static_cast<std::int64_t>(2 * k_hostile.size()));
  CHECK(rows(path, "notifications") == static_cast<std::int64_t>(k_hostile.size()));
  CHECK(rows(path, "fund_returns") == static_cast<std::int64_t>(k_hostile.size()));
  CHECK_FALSE(fs::exists("/tmp/recharged-injected.db"));
}

TEST_CASE("hostile remarks, notify URLs, filters and order numbers on the command line change nothing but their own order") {
  Rig rig;
  (void)rig.write_config();
  const std::string remark = "'); DROP TABLE t;--"; // 19 characters: within the 20 a remark may have
  const std::string url = "https://pay.example.com/a'\";--/DELETE%20FROM";
  const auto applied = rig.cli({"apply", "--sub-mchid", rig.sub_mchid(), "--amount", "12.34", "--out-recharge-no",
                                "HOSTILE1", "--remark", remark, "--notify-url", url, "--json"});
  INFO(applied.err);
  REQUIRE(applied.status.exited(0));
  const auto json = nlohmann::json::parse(applied.out);
  CHECK(json.at("remark") == remark);
  CHECK(json.at("notify_url") == url);
  REQUIRE(rig.cli({"apply", "--sub-mchid", rig.sub_mchid(), "--amount", "1.00", "--out-recharge-no", "HOSTILE2"})
              .status.exited(0));
  const std::string schema_before = schema(rig.database_path());

  // Order numbers and states are validated before anything is sent or written (exit 2); a lookup by a hostile
  // number finds nothing (exit 7 — it is a bound parameter, never SQL); a sub-merchant filter matches nothing.
  for (const auto& [args, codes] : std::vector<std::pair<std::vector<std::string>, std::vector<int>>>{
           {{"show", "HOSTILE1' OR '1'='1"}, {2, 7}}, {{"sync", "x'; DROP TABLE orders; --"}, {2}},
           {{"close", "HOSTILE1\"--"}, {2}}, {{"list", "--state", "NEW' OR 1=1 --"}, {2}},
           {{"schedule", "explain", "' OR ''='"}, {2, 7}}}) {
    const auto r = rig.cli(args);
    INFO(args.front(), ": ", r.err);
    bool expected = false;
    for (const int c : codes) expected = expected || r.status.exited(c);
    CHECK(expected);
    CHECK(r.out.find("HOSTILE2") == std::string::npos); // no other order leaks out
  }
  const auto listed = rig.cli({"list", "--sub-mchid", "1' OR '1'='1", "--json"});
  CHECK(listed.status.exited(2)); // a merchant id is digits: refused before any query
  CHECK(listed.out.empty());
  CHECK(rig.cli({"show", "HOSTILE3"}).status.exited(7));
  const auto shown = rig.cli({"show", "HOSTILE1", "--json"});
  REQUIRE(shown.status.exited(0));
  CHECK(nlohmann::json::parse(shown.out).dump().find("DROP TABLE") != std::string::npos);

  CHECK(schema(rig.database_path()) == schema_before);
  CHECK(rows(rig.database_path(), "orders") == 2);
  CHECK(rig.order("HOSTILE1")->remark == remark);
  CHECK(rig.order("HOSTILE1")->notify_url == url);
}

TEST_CASE("validly signed platform answers full of quotes, SQL and NUL bytes are recorded verbatim and break nothing") {
  RigOptions o;
  o.sandbox.payers = sandbox::Payers::manual;
  Rig rig(o);
  const std::string url = std::string("https://pay.example.com/r?q='); DROP TABLE orders;--\"\0tail", 56);
  const std::string desc = std::string("充值中'; DELETE FROM order_events WHERE ''='\0", 47);
  const std::string rid = "RID'); UPDATE orders SET state='SUCCESS';--";
  LyingProxyOptions po;
  po.upstream = rig.sandbox().base();
  po.trusted = rig.sandbox().platform_keys();
  po.public_key_id = rig.sandbox().public_key_id();
  po.forge_rate = 0;
  po.platform_key = rig.sandbox().state().platform.private_key;
  po.rewrite = [&](wxpay::Endpoint e, std::string& body, std::string& request_id) {
    request_id = rid;
    if (e == wxpay::Endpoint::apply) {
      auto a = wxpay::decode_apply_response(body);
      if (!a) return false;
      a->recharge_url = url;
      body = wxpay::encode(*a);
      return true;
    }
    auto d = wxpay::decode_mch_deposit(body);
    if (!d) return false;
    d->recharge_state_desc = desc;
    body = wxpay::encode(*d);
    return true;
  };
  LyingProxy proxy(po, rig.clock());
  proxy.start();
  write_edited_config(rig, [&](std::string t) { return set_toml(std::move(t), "platform", "base_url", "\"" + proxy.base_url() + "\""); });
  const std::string schema_before = [&] {
    REQUIRE(rig.cli({"migrate"}).status.exited(0));
    return schema(rig.database_path());
  }();

  const auto applied = rig.cli({"apply", "--sub-mchid", rig.sub_mchid(), "--amount", "5.00", "--out-recharge-no", "EVIL1", "--json"});
  INFO(applied.err);
  REQUIRE(applied.status.exited(0));
  CHECK(nlohmann::json::parse(applied.out).at("recharge_url") == url);
  sandbox::PayRequest pay;
  pay.settlement = sandbox::Settlement::immediate;
  REQUIRE(rig.platform().pay_now("EVIL1", pay).ok());
  const auto synced = rig.cli({"sync", "EVIL1", "--json"});
  INFO(synced.err);
  REQUIRE(synced.status.exited(0));

  const auto order = rig.order("EVIL1");
  REQUIRE(order);
  CHECK(order->state == orders::OrderState::success);
  CHECK(order->recharge_url == url);
  CHECK(order->platform_state_desc == desc);
  const auto events = rig.events("EVIL1");
  std::size_t with_rid = 0;
  for (const auto& e : events) with_rid += e.request_id == rid ? 1 : 0;
  CHECK(with_rid >= 2);
  CHECK(schema(rig.database_path()) == schema_before);
  CHECK(rows(rig.database_path(), "orders") == 1);
  const auto problems = event_problems(*order, events);
  CHECK_MESSAGE(problems.empty(), describe(problems));
  const auto shown = rig.cli({"show", "EVIL1", "--json"});
  REQUIRE(shown.status.exited(0));
  const auto parsed = nlohmann::json::parse(shown.out, nullptr, false);
  CHECK_FALSE(parsed.is_discarded());
}
