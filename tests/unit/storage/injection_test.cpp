// Every text the store writes is a bound parameter: hostile text is stored verbatim and does nothing.
#include "tests/unit/storage/store_fixture.hpp"

#include <doctest/doctest.h>

using namespace recharged;
using namespace recharged::storage;
using namespace recharged::test;
using namespace std::chrono_literals;

namespace {

std::vector<std::string> hostile_texts() {
  using namespace std::string_literals;
  return {
      "'; DROP TABLE orders; --",
      "Robert'); DELETE FROM order_events; --",
      "\" OR 1=1 --",
      "' OR '1'='1",
      "x'||(SELECT group_concat(name) FROM sqlite_master)||'",
      "nul\0inside'\0end"s,
      "充值成功 '\"\\%_ \t\r\n😀",
      std::string(1 << 20, '\''), // a megabyte of quotes
  };
}

orders::Order hostile_order(const std::string& text, std::size_t i) {
  auto o = sample_order(text + "#" + std::to_string(i)); // unique even for repeated texts
  o.sub_mchid = text;
  o.recharge_scene = text;
  o.account_type = text;
  o.currency = text;
  o.notify_url = text;
  o.channels = {text, "QR_RECHARGE"};
  o.remark = text;
  o.next_poll_at = k_t0 + 1min;
  o.next_poll_reason = text;
  return o;
}

OrderUpdate hostile_update(std::int64_t id, const std::string& text, std::size_t i) {
  auto u = transition(id, OrderState::new_order, OrderState::recharging, k_t0 + 1s);
  u.recharge_id = text;
  u.recharge_url = text;
  u.platform_state = text;
  u.platform_state_desc = text;
  u.recharge_channel = text;
  u.next_poll_reason = text;
  u.last_error = text;
  auto& e = u.events.back();
  e.endpoint = text;
  e.request_id = text;
  e.error_code = text;
  e.message = text;
  e.evidence = text;
  u.fund_return = FundReturnRecord{text + "#" + std::to_string(i), text, 1, text, k_t0, text, text, text, text, k_t0};
  return u;
}

NotificationRecord hostile_notification(const std::string& text, const std::string& out_recharge_no,
                                        std::size_t i) {
  NotificationRecord n;
  n.id = text + "#" + std::to_string(i);
  n.event_type = text;
  n.out_recharge_no = out_recharge_no;
  n.received_at = k_t0;
  n.create_time = k_t0;
  n.summary = text;
  n.resource = text;
  n.outcome = orders::NotificationOutcome::confirmed; // an enum: the sender's text never reaches this column
  return n;
}

} // namespace

TEST_CASE("hostile text in every field is stored verbatim and harms nothing") {
  StoreFixture f;
  const auto texts = hostile_texts();
  for (std::size_t i = 0; i < texts.size(); ++i) {
    const std::string& text = texts[i];
    CAPTURE(i);
    const auto inserted = f.store.insert_new(hostile_order(text, i), k_t0);
    REQUIRE(inserted.ok());
    const auto& o = inserted->order;
    CHECK(o.out_recharge_no == text + "#" + std::to_string(i));
    CHECK(o.sub_mchid == text);
    CHECK(o.recharge_scene == text);
    CHECK(o.account_type == text);
    CHECK(o.currency == text);
    CHECK(o.notify_url == text);
    CHECK(o.remark == text);
    CHECK(o.next_poll_reason == text);
    CHECK(o.channels.size() == (text.find(',') == std::string::npos ? 2u : 3u));

    REQUIRE(f.store.commit_one(hostile_update(o.id, text, i)).value());
    const auto u = f.reload(o.id);
    CHECK(u.recharge_id == text);
    CHECK(u.recharge_url == text);
    CHECK(u.platform_state == text);
    CHECK(u.platform_state_desc == text);
    CHECK(u.recharge_channel == text);
    CHECK(u.last_error == text);
    const auto events = f.store.events(o.id).value();
    REQUIRE(events.size() == 2);
    CHECK(events[1].endpoint == text);
    CHECK(events[1].request_id == text);
    CHECK(events[1].error_code == text);
    CHECK(events[1].message == text);
    CHECK(events[1].evidence == text);
    const auto returns = f.store.fund_returns(o.id).value();
    REQUIRE(returns.size() == 1);
    CHECK(returns[0].recharge_returned_id == text + "#" + std::to_string(i));
    CHECK(returns[0].return_reason == text);
    CHECK(returns[0].bank_account_name == text);

    const auto recorded = f.store.record_notification(hostile_notification(text, o.out_recharge_no, i), std::nullopt);
    REQUIRE(recorded.ok());
    CHECK_FALSE(recorded->duplicate);
    const auto notes = f.store.notifications(o.out_recharge_no).value();
    REQUIRE(notes.size() == 1);
    CHECK(notes[0].id == text + "#" + std::to_string(i));
    CHECK(notes[0].event_type == text);
    CHECK(notes[0].summary == text);
    CHECK(notes[0].resource == text);
    CHECK(notes[0].outcome == orders::NotificationOutcome::confirmed);

    CHECK(f.store.find(o.out_recharge_no).value()->id == o.id);
    ListFilter by_merchant;
    by_merchant.sub_mchid = text;
    CHECK(f.store.list(by_merchant).value().orders.size() == 1);
  }

  auto conn = f.raw();
  for (const char* table : {"orders", "order_events", "notifications", "fund_returns", "schema_migrations"})
    CHECK_MESSAGE(conn.tableExists(table), table);
  CHECK(scalar(conn, "SELECT count(*) FROM orders") == std::to_string(texts.size()));
  CHECK(scalar(conn, "SELECT count(*) FROM order_events") == std::to_string(2 * texts.size()));
  CHECK_FALSE(f.store.find("' OR '1'='1").value().has_value());
  CHECK(f.db->integrity_check().value() == "ok");
}
