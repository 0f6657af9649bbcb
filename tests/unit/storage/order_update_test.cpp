// How an OrderUpdate changes an order is written three times: in each backend's SQL (Sql::update_order for SQLite,
// the UPDATE … RETURNING of pg_order_store.cpp for PostgreSQL, each answering with the row as stored) and in C++ (storage::after_update, on which the engine plans the next poll before
// writing). Random updates over random orders, applied both ways, must leave the same order, field by field.
#include "tests/unit/storage/store_fixture.hpp"

#include <doctest/doctest.h>

#include <random>

using namespace recharged;
using namespace recharged::storage;
using namespace recharged::test;
using namespace std::chrono_literals;

namespace {

// Every field of an order as text, named, so a difference names its field.
std::vector<std::pair<std::string, std::string>> fields(const orders::Order& o) {
  auto t = [](const std::optional<TimePoint>& v) { return v ? format_utc(*v) : std::string("NULL"); };
  std::string channels;
  for (const auto& c : o.channels) channels += c + "|";
  return {{"id", std::to_string(o.id)},
          {"out_recharge_no", o.out_recharge_no},
          {"sub_mchid", o.sub_mchid},
          {"recharge_scene", o.recharge_scene},
          {"account_type", o.account_type},
          {"amount", std::to_string(o.amount)},
          {"currency", o.currency},
          {"notify_url", o.notify_url},
          {"channels", channels},
          {"remark", o.remark},
          {"state", std::string(orders::to_string(o.state))},
          {"created_at", format_utc(o.created_at)},
          {"updated_at", format_utc(o.updated_at)},
          {"applied_at", t(o.applied_at)},
          {"final_at", t(o.final_at)},
          {"recharge_id", o.recharge_id},
          {"recharge_url", o.recharge_url},
          {"platform_state", o.platform_state},
          {"platform_state_desc", o.platform_state_desc},
          {"recharge_channel", o.recharge_channel},
          {"accept_time", t(o.accept_time)},
          {"success_time", t(o.success_time)},
          {"close_time", t(o.close_time)},
          {"poll_count", std::to_string(o.poll_count)},
          {"failure_streak", std::to_string(o.failure_streak)},
          {"last_poll_at", t(o.last_poll_at)},
          {"next_poll_at", t(o.next_poll_at)},
          {"next_poll_reason", o.next_poll_reason},
          {"close_after", format_utc(o.close_after)},
          {"last_error", o.last_error},
          {"apply_lease_until", t(o.apply_lease_until)},
          {"apply_lease_owner", o.apply_lease_owner}};
}

// Fails naming each field where `sql` (as the store holds it) and `cpp` (after_update) differ.
void check_same(const orders::Order& sql, const orders::Order& cpp) {
  const auto a = fields(sql);
  const auto b = fields(cpp);
  for (std::size_t i = 0; i < a.size(); ++i) {
    CAPTURE(a[i].first);
    CHECK(a[i].second == b[i].second);
  }
}

class Random {
public:
  explicit Random(std::uint64_t seed) : rng_(seed) {}

  bool chance(double p) { return std::bernoulli_distribution(p)(rng_); }
  int between(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  TimePoint time() { return k_t0 + Millis{std::uniform_int_distribution<std::int64_t>(-86'400'000, 864'000'000)(rng_)}; }
  std::string text() {
    static const std::array<std::string, 6> k_texts{"", "RECHARGING", "it's \"quoted\"", "充值 ok", "x", "NULL"};
    const auto pick = static_cast<std::size_t>(between(0, static_cast<int>(k_texts.size()) - 1));
    return k_texts[pick] + (chance(0.5) ? std::to_string(between(0, 99)) : "");
  }
  template <class T, class Make>
  std::optional<T> maybe(Make make) {
    if (chance(0.5)) return std::nullopt;
    return make();
  }
  orders::OrderState state() { return orders::k_order_states[static_cast<std::size_t>(between(0, 6))]; }

private:
  std::mt19937_64 rng_;
};

// A random update of an order now in `here`: every field set or not, any lawful move or none, and now and then a
// guard that does not hold.
OrderUpdate random_update(Random& r, std::int64_t id, OrderState here) {
  OrderUpdate u;
  u.order_id = id;
  u.updated_at = r.time();
  std::vector<OrderState> moves;
  for (const auto to : orders::k_order_states)
    if (orders::transition_allowed(here, to)) moves.push_back(to);
  if (!moves.empty() && r.chance(0.4)) {
    u.new_state = moves[static_cast<std::size_t>(r.between(0, static_cast<int>(moves.size()) - 1))];
    u.expect_state = here;
  } else if (r.chance(0.5)) {
    u.expect_state = here;
  }
  if (r.chance(0.1)) { // a stale guard: another state from which the same move would be lawful
    for (const auto other : orders::k_order_states)
      if (other != here && (!u.new_state || orders::transition_allowed(other, *u.new_state))) u.expect_state = other;
  }
  auto text = [&] { return r.text(); };
  auto time = [&] { return r.time(); };
  u.recharge_id = r.maybe<std::string>(text);
  u.recharge_url = r.maybe<std::string>(text);
  u.platform_state = r.maybe<std::string>(text);
  u.platform_state_desc = r.maybe<std::string>(text);
  u.recharge_channel = r.maybe<std::string>(text);
  u.applied_at = r.maybe<TimePoint>(time);
  u.accept_time = r.maybe<TimePoint>(time);
  u.success_time = r.maybe<TimePoint>(time);
  u.close_time = r.maybe<TimePoint>(time);
  u.last_poll_at = r.maybe<TimePoint>(time);
  u.set_next_poll = r.chance(0.5);
  u.next_poll_at = r.maybe<TimePoint>(time);
  u.next_poll_reason = r.maybe<std::string>(text);
  u.close_after = r.maybe<TimePoint>(time);
  u.poll_count_delta = r.between(0, 2);
  u.failure_streak = r.maybe<int>([&] { return r.between(0, 9); });
  u.last_error = r.maybe<std::string>(text);
  u.apply_lease_until = r.maybe<TimePoint>(time);
  u.release_apply_lease = r.chance(0.3);
  if (r.chance(0.5)) u.events.push_back(state_event(here, u.new_state.value_or(here), u.updated_at));
  return u;
}

} // namespace

STORE_CONTRACT("random updates over random orders leave the same order in SQL as in after_update, field by field") {
  StoreFixture f{Backend_::backend};
  Random r(20261123);
  std::vector<orders::Order> stored; // each order as the store holds it
  for (int i = 0; i < 120; ++i) {
    orders::Order o = sample_order("PROP" + std::to_string(i));
    o.next_poll_at = r.maybe<TimePoint>([&] { return r.time(); });
    o.next_poll_reason = r.text();
    o.close_after = r.time();
    o.apply_lease_until = r.maybe<TimePoint>([&] { return r.time(); });
    o.apply_lease_owner = r.text();
    stored.push_back(f.store.insert_new(o, r.time()).value().order);
  }
  int held = 0;
  int refused = 0;
  for (int round = 0; round < 8; ++round) {
    CAPTURE(round);
    // One batch per round: each order gets one or two chained updates, the second judged on the first's outcome.
    std::vector<OrderUpdate> batch;
    std::vector<std::size_t> owner;
    std::vector<std::optional<orders::Order>> expected;
    for (std::size_t i = 0; i < stored.size(); ++i) {
      orders::Order current = stored[i];
      for (int n = r.between(1, 2); n > 0; --n) {
        OrderUpdate u = random_update(r, current.id, current.state);
        const bool holds = !u.expect_state || *u.expect_state == current.state;
        std::optional<orders::Order> after;
        if (holds) after = after_update(current, u);
        if (after) current = *after;
        batch.push_back(std::move(u));
        owner.push_back(i);
        expected.push_back(std::move(after));
      }
    }
    const auto committed = f.store.commit(batch);
    REQUIRE_MESSAGE(committed.ok(), (committed.ok() ? "" : committed.error().message));
    REQUIRE(committed->size() == batch.size());
    for (std::size_t k = 0; k < batch.size(); ++k) {
      CAPTURE(k);
      REQUIRE((*committed)[k].has_value() == expected[k].has_value());
      if (!expected[k]) {
        ++refused;
        continue;
      }
      ++held;
      check_same(*(*committed)[k], *expected[k]);
      stored[owner[k]] = *(*committed)[k];
    }
    for (const auto& o : stored) check_same(f.reload(o.id), o); // what commit answered is what a read finds
  }
  MESSAGE(held << " updates held, " << refused << " refused by their guard");
  CHECK(held > 1000);
  CHECK(refused > 50);
}
