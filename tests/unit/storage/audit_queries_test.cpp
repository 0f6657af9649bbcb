// The queries documented for auditors run, and answer correctly, on a database the store populated.
// The queries are README.md's (section "Auditing the database"); RECHARGED_AUDIT_DOC points the test at another file.
#include "core/file.hpp"
#include "storage/pg_webhook_store.hpp"
#include "storage/sqlite_webhook_store.hpp"
#include "tests/unit/storage/store_fixture.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <map>
#include <sstream>

using namespace recharged;
using namespace recharged::storage;
using namespace recharged::test;
using namespace std::chrono_literals;
using orders::EventKind;
using orders::EventSource;

namespace {

struct SqlBlock {
  std::string key; // from a "-- audit: <key>" line; "" when the block has none
  std::string sql;
};

// Every ```sql fenced block of a Markdown document, in order.
std::vector<SqlBlock> sql_blocks(const std::string& markdown) {
  std::vector<SqlBlock> blocks;
  std::istringstream in(markdown);
  std::string line;
  bool inside = false;
  while (std::getline(in, line)) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (!inside && line == "```sql") {
      inside = true;
      blocks.emplace_back();
    } else if (inside && line == "```") {
      inside = false;
    } else if (inside) {
      auto& block = blocks.back();
      if (block.key.empty() && line.starts_with("-- audit: ")) block.key = line.substr(10);
      block.sql += line + "\n";
    }
  }
  REQUIRE_MESSAGE(!inside, "an ```sql block is not closed");
  return blocks;
}

std::filesystem::path audit_document() {
  if (const char* path = std::getenv("RECHARGED_AUDIT_DOC"); path != nullptr && *path != '\0') return path;
  return std::filesystem::path(RECHARGED_SOURCE_DIR) / "README.md";
}

// A query's answer as text: rows of named columns, NULL as "NULL".
struct Answer {
  std::vector<std::map<std::string, std::string>> rows;

  [[nodiscard]] std::vector<std::string> column(const std::string& name) const {
    std::vector<std::string> out;
    for (const auto& row : rows) out.push_back(row.at(name));
    return out;
  }
};

Answer run(const SQLite::Database& conn, const std::string& sql) {
  SQLite::Statement q(conn, sql);
  Answer answer;
  while (q.executeStep()) {
    std::map<std::string, std::string> row;
    for (int i = 0; i < q.getColumnCount(); ++i)
      row[q.getColumnName(i)] = q.getColumn(i).isNull() ? "NULL" : q.getColumn(i).getString();
    answer.rows.push_back(std::move(row));
  }
  return answer;
}

// One API call outcome as the engine records it.
orders::OrderEvent call(EventKind kind, const std::string& endpoint, int status, const std::string& code,
                        TimePoint at, const std::string& message) {
  orders::OrderEvent e;
  e.at = at;
  e.source = endpoint == "apply" ? EventSource::apply : endpoint == "close" ? EventSource::close : EventSource::poll;
  e.kind = kind;
  e.endpoint = endpoint;
  e.http_status = status;
  e.request_id = "REQ-" + endpoint + "-" + std::to_string(unix_seconds(at));
  e.error_code = code;
  e.message = message;
  if (status == 200) e.evidence = R"({"recharge_state":"…"})";
  e.latency_ms = 80;
  return e;
}

// Builds a small, known history through the store itself (see the expectations in the test case).
class AuditData {
public:
  explicit AuditData(StoreFixture& f) : f_(f) {}

  std::int64_t order(const std::string& no, const std::string& sub_mchid, Fen amount, TimePoint created) {
    auto o = sample_order(no, sub_mchid, amount);
    o.next_poll_at = created + 10s;
    return f_.store.insert_new(o, created).value().order.id;
  }

  void move(std::int64_t id, OrderState from, OrderState to, orders::OrderEvent e, OrderUpdate u = {}) {
    u.order_id = id;
    u.expect_state = from;
    u.new_state = to;
    u.updated_at = e.at;
    e.old_state = from;
    e.new_state = to;
    u.events.push_back(std::move(e));
    REQUIRE(f_.store.commit_one(u).value());
  }

  void note(std::int64_t id, orders::OrderEvent e, std::optional<FundReturnRecord> fund_return = std::nullopt) {
    OrderUpdate u;
    u.order_id = id;
    u.updated_at = e.at;
    u.poll_count_delta = e.endpoint == "query" ? 1 : 0;
    u.events.push_back(std::move(e));
    u.fund_return = std::move(fund_return);
    REQUIRE(f_.store.commit_one(u).value());
  }

  void apply_ok(std::int64_t id, TimePoint at) {
    move(id, OrderState::new_order, OrderState::recharging,
         call(EventKind::state_changed, "apply", 200, "", at, "the platform accepted the order"));
  }

  void success(std::int64_t id, TimePoint success_time) {
    OrderUpdate u;
    u.success_time = success_time;
    u.recharge_channel = "QR_RECHARGE";
    move(id, OrderState::recharging, OrderState::success,
         call(EventKind::state_changed, "query", 200, "", success_time + 1min, "the platform reports SUCCESS"), u);
  }

private:
  StoreFixture& f_;
};

const TimePoint k_day = utc("2026-11-23T01:00:00.000Z"); // 09:00 in Shanghai

void populate(StoreFixture& f) {
  AuditData d(f);
  std::unique_ptr<storage::WebhookStore> owned_hooks;
  if (f.db) owned_hooks = std::make_unique<storage::SqliteWebhookStore>(*f.db);
  else owned_hooks = std::make_unique<storage::PgWebhookStore>(*f.pg, "audit", Millis{60'000});
  storage::WebhookStore& hooks = *owned_hooks;
  REQUIRE(hooks.fan_out({{"backoffice", {}}}, k_day, 0).ok()); // the endpoint's cursor starts before any order
  const auto o1 = d.order("R202611230001", "1900000109", 150'000, k_day);
  d.apply_ok(o1, k_day + 1s);
  d.note(o1, call(EventKind::api_call, "query", 200, "", k_day + 5min, "still RECHARGING"));
  d.success(o1, utc("2026-11-23T15:59:00.000Z")); // 23:59 on the 23rd in Shanghai
  orders::OrderEvent contradiction;
  contradiction.at = utc("2026-11-24T02:00:00.000Z");
  contradiction.source = EventSource::notify;
  contradiction.kind = EventKind::alert;
  contradiction.message = "the platform reports CLOSED for an order we recorded SUCCESS";
  d.note(o1, contradiction);

  const auto o2 = d.order("R202611230002", "1900000109", 20'000, k_day);
  d.apply_ok(o2, k_day + 2s);
  d.success(o2, utc("2026-11-23T16:30:00.000Z")); // 00:30 on the 24th in Shanghai
  orders::OrderEvent returned;
  returned.at = utc("2026-11-24T03:00:00.000Z");
  returned.source = EventSource::notify;
  returned.kind = EventKind::fund_returned;
  returned.message = "the bank sent 200.00 CNY back to the payer";
  d.note(o2, returned,
         FundReturnRecord{"RET-0001", "BANK_TRANSFER", 20'000, "CNY", utc("2026-11-24T02:55:00.000Z"),
                          "重复充值", "招商银行", "1234", "某某公司", returned.at});

  const auto o3 = d.order("R202611230003", "1900000110", 5'005, k_day);
  d.apply_ok(o3, k_day + 3s);
  d.note(o3, call(EventKind::api_call, "query", 429, "FREQUENCY_LIMITED", k_day + 1min, "rate limited"));
  d.success(o3, utc("2026-11-23T03:00:00.000Z"));

  const auto o4 = d.order("R202611230004", "1900000110", 30'000, k_day + 1h);
  d.apply_ok(o4, k_day + 1h + 1s);
  d.note(o4, call(EventKind::api_call, "query", 500, "SYSTEM_ERROR", k_day + 2h, "系统繁忙,请稍后重试"));

  d.order("R202611230005", "1900000109", 10'000, k_day + 2h); // never applied yet: NEW

  const auto o6 = d.order("R202611230006", "1900000111", 100, k_day + 3h);
  d.move(o6, OrderState::new_order, OrderState::rejected,
         call(EventKind::state_changed, "apply", 400, "INVALID_REQUEST", k_day + 3h + 1s, "入账账户不存在"));

  const auto o7 = d.order("R202611230007", "1900000109", 50'000, k_day + 4h);
  d.apply_ok(o7, k_day + 4h + 1s);
  d.move(o7, OrderState::recharging, OrderState::suspect,
         call(EventKind::state_changed, "query", 200, "", k_day + 5h,
              "the platform's answer does not match our order: amount is '5000 fen', ours '50000 fen'"));

  const auto o8 = d.order("R202611230008", "1900000110", 70'000, k_day + 5h);
  d.apply_ok(o8, k_day + 5h + 1s);
  d.move(o8, OrderState::recharging, OrderState::closing,
         call(EventKind::state_changed, "close", 200, "", k_day + 6h, "stale: closing"));
  d.move(o8, OrderState::closing, OrderState::closed,
         call(EventKind::state_changed, "query", 200, "", k_day + 6h + 1min, "the platform reports CLOSED"));

  NotificationRecord n;
  n.id = "EV-0001";
  n.event_type = "RECHARGE.SUCCESS";
  n.out_recharge_no = "R202611230001";
  n.received_at = utc("2026-11-23T16:00:00.000Z");
  n.create_time = utc("2026-11-23T15:59:30.000Z");
  n.outcome = orders::NotificationOutcome::confirmed;
  REQUIRE(f.store.record_notification(n, std::nullopt).ok());
  n.id = "EV-0002";
  n.out_recharge_no = "NOTOURS1";
  n.received_at = utc("2026-11-23T17:00:00.000Z");
  n.outcome = orders::NotificationOutcome::unknown_order;
  REQUIRE(f.store.record_notification(n, std::nullopt).ok());

  // The back office acknowledged every order.recharging and R202611230001's success; R202611230002's success
  // was given up on after its retries.
  REQUIRE(hooks.fan_out({{"backoffice", {}}}, k_day + 24h, 1000).ok());
  const auto deliveries = hooks.deliveries("backoffice", "", 100);
  REQUIRE(deliveries.ok());
  for (const auto& r : *deliveries) {
    storage::DeliveryAttempt a;
    a.at = k_day + 25h;
    if (r.type == "order.recharging" || (r.out_recharge_no == "R202611230001" && r.type == "order.succeeded")) {
      a.status = 204;
      a.delivered = true;
    } else if (r.out_recharge_no == "R202611230002" && r.type == "order.succeeded") {
      a.status = 500;
      a.error = "HTTP 500";
    } else {
      continue;
    }
    REQUIRE(hooks.record_attempt(r.id, a).ok());
  }
}

using Rows = std::vector<std::vector<std::string>>;

Rows pick(const Answer& a, const std::vector<std::string>& columns) {
  Rows out;
  for (const auto& row : a.rows) {
    std::vector<std::string> values;
    for (const auto& c : columns) values.push_back(row.at(c));
    out.push_back(std::move(values));
  }
  return out;
}

// What each documented query must answer on the populated database, which has `schema_versions` migrations.
void check_answer(const std::string& key, const Answer& a, int schema_versions) {
  if (key == "order-history") {
    CHECK(pick(a, {"kind", "old_state", "new_state", "endpoint", "http_status"}) ==
          Rows{{"created", "NULL", "NEW", "", "0"},
               {"state_changed", "NEW", "RECHARGING", "apply", "200"},
               {"api_call", "NULL", "NULL", "query", "200"},
               {"state_changed", "RECHARGING", "SUCCESS", "query", "200"},
               {"alert", "NULL", "NULL", "", "0"}});
    CHECK(a.rows.at(0).at("at_shanghai") == "2026-11-23 09:00:00.000");
  } else if (key == "order-now") {
    REQUIRE(a.rows.size() == 1);
    CHECK(a.rows[0].at("state") == "SUCCESS");
    CHECK(a.rows[0].at("success_time") == "2026-11-23T15:59:00.000Z");
    CHECK(a.rows[0].at("next_poll_at") == "NULL");
    CHECK(a.rows[0].at("poll_count") == "1");
  } else if (key == "order-evidence") {
    CHECK(pick(a, {"new_state"}) == Rows{{"RECHARGING"}, {"NULL"}, {"SUCCESS"}});
  } else if (key == "landed-per-day") {
    CHECK(pick(a, {"shanghai_date", "sub_mchid", "orders", "landed_fen", "landed_yuan"}) ==
          Rows{{"2026-11-23", "1900000109", "1", "150000", "1500.00"},
               {"2026-11-23", "1900000110", "1", "5005", "50.05"},
               {"2026-11-24", "1900000109", "1", "20000", "200.00"}});
  } else if (key == "landed-on-day") {
    CHECK(pick(a, {"sub_mchid", "orders", "landed_fen", "landed_yuan"}) ==
          Rows{{"1900000109", "1", "150000", "1500.00"}, {"1900000110", "1", "5005", "50.05"}});
  } else if (key == "open-by-age") {
    CHECK(pick(a, {"out_recharge_no", "state"}) ==
          Rows{{"R202611230004", "RECHARGING"}, {"R202611230005", "NEW"}});
    REQUIRE(a.rows.size() == 2); // created an hour apart: whatever the reader's clock, ages differ by 1.0
    CHECK(std::stod(a.rows[0].at("age_hours")) - std::stod(a.rows[1].at("age_hours")) == doctest::Approx(1.0));
  } else if (key == "needs-attention") {
    CHECK(pick(a, {"out_recharge_no", "state", "reason", "alerts"}) ==
          Rows{{"R202611230006", "REJECTED", "入账账户不存在", "0"},
               {"R202611230007", "SUSPECT",
                "the platform's answer does not match our order: amount is '5000 fen', ours '50000 fen'", "0"}});
  } else if (key == "alerts") {
    CHECK(pick(a, {"out_recharge_no", "source"}) == Rows{{"R202611230001", "notify"}});
  } else if (key == "api-error-rates") {
    CHECK(pick(a, {"endpoint", "outcome", "n", "calls"}) ==
          Rows{{"apply", "OK", "6", "7"},
               {"apply", "INVALID_REQUEST", "1", "7"},
               {"close", "OK", "1", "1"},
               {"query", "OK", "6", "8"},
               {"query", "FREQUENCY_LIMITED", "1", "8"},
               {"query", "SYSTEM_ERROR", "1", "8"}});
    std::vector<double> percent; // "100.0" in sqlite3, "100.00" in psql
    for (const auto& p : a.column("percent")) percent.push_back(std::stod(p));
    CHECK(percent == std::vector<double>{85.71, 14.29, 100.0, 75.0, 12.5, 12.5});
  } else if (key == "api-errors-per-day") {
    CHECK(pick(a, {"shanghai_date", "endpoint", "error_code", "http_status", "n"}) ==
          Rows{{"2026-11-23", "apply", "INVALID_REQUEST", "400", "1"},
               {"2026-11-23", "query", "FREQUENCY_LIMITED", "429", "1"},
               {"2026-11-23", "query", "SYSTEM_ERROR", "500", "1"}});
  } else if (key == "notifications") {
    CHECK(pick(a, {"id", "outcome", "unknown_order"}) ==
          Rows{{"EV-0001", "confirmed", "0"}, {"EV-0002", "unknown_order", "1"}});
  } else if (key == "fund-returns") {
    CHECK(pick(a, {"out_recharge_no", "recharge_returned_id", "amount", "return_reason"}) ==
          Rows{{"R202611230002", "RET-0001", "20000", "重复充值"}});
  } else if (key == "webhooks-unacknowledged") {
    CHECK(pick(a, {"out_recharge_no", "type", "state", "attempts", "last_status"}) ==
          Rows{{"R202611230002", "order.succeeded", "failed", "1", "500"},
               {"R202611230002", "order.fund_returned", "pending", "0", "0"},
               {"R202611230003", "order.succeeded", "pending", "0", "0"},
               {"R202611230006", "order.rejected", "pending", "0", "0"},
               {"R202611230007", "order.suspect", "pending", "0", "0"},
               {"R202611230008", "order.closed", "pending", "0", "0"}});
  } else if (key == "schema-version") {
    CHECK(a.rows.size() == static_cast<std::size_t>(schema_versions));
  } else {
    FAIL("no expected answer for the documented query '" << key << "'");
  }
}

} // namespace

TEST_CASE("sql blocks and their audit keys are extracted from a Markdown document") {
  const auto blocks = sql_blocks("text\n```sql\n-- audit: one\nSELECT 1;\n```\n```sh\nls\n```\n"
                                 "```sql  \r\nSELECT 2;\n-- audit: late\n```\n");
  REQUIRE(blocks.size() == 2);
  CHECK(blocks[0].key == "one");
  CHECK(blocks[0].sql == "-- audit: one\nSELECT 1;\n");
  CHECK(blocks[1].key == "late");
  CHECK(blocks[1].sql == "SELECT 2;\n-- audit: late\n");
}

TEST_CASE("every documented audit query runs and answers correctly on a populated database") {
  const auto doc = audit_document();
  CAPTURE(doc);
  const auto blocks = sql_blocks(read_file(doc).value());
  std::map<std::string, int> seen;
  for (const auto& b : blocks) ++seen[b.key];
  for (const char* required : {"order-history", "landed-per-day", "open-by-age", "needs-attention", "api-error-rates"})
    CHECK_MESSAGE(seen[required] == 1, "the document must hold the query '" << required << "' exactly once");

  StoreFixture f;
  populate(f);
  const SQLite::Database reader(f.path, SQLite::OPEN_READONLY);
  for (const auto& block : blocks) {
    CAPTURE(block.sql);
    REQUIRE_MESSAGE(!block.key.empty(), "each ```sql block starts with a '-- audit: <key>' line");
    Answer answer;
    try {
      answer = run(reader, block.sql);
    } catch (const std::exception& e) {
      FAIL("the documented query '" << block.key << "' fails: " << e.what());
    }
    check_answer(block.key, answer, Database::latest_version());
  }
}

// A query's answer from PostgreSQL, shaped as run() shapes SQLite's.
Answer run_pg(storage::pg::Connection& conn, const std::string& sql) {
  auto rows = conn.exec(sql);
  if (!rows) throw std::runtime_error(rows.error().message);
  Answer answer;
  for (int r = 0; r < rows->size(); ++r) {
    std::map<std::string, std::string> row;
    for (int c = 0; c < rows->columns(); ++c) row[rows->column_name(c)] = rows->is_null(r, c) ? "NULL" : rows->text(r, c);
    answer.rows.push_back(std::move(row));
  }
  return answer;
}

TEST_CASE("every query of the PostgreSQL audit document runs and answers the same on a populated database") {
  const auto doc = std::filesystem::path(RECHARGED_SOURCE_DIR) / "docs" / "postgresql-audit.md";
  const auto blocks = sql_blocks(read_file(doc).value());
  const auto readme = sql_blocks(read_file(std::filesystem::path(RECHARGED_SOURCE_DIR) / "README.md").value());
  std::map<std::string, int> keys;
  for (const auto& b : readme) ++keys[b.key];
  for (const auto& b : blocks) --keys[b.key];
  for (const auto& [key, balance] : keys) CHECK_MESSAGE(balance == 0, "'" << key << "' is not in both documents once");

  StoreFixture f{Backend::postgres};
  populate(f);
  REQUIRE(f.other_pg().exec("SET default_transaction_read_only = on"));
  for (const auto& block : blocks) {
    CAPTURE(block.sql);
    Answer answer;
    try {
      answer = run_pg(f.other_pg(), block.sql);
    } catch (const std::exception& e) {
      FAIL("the documented query '" << block.key << "' fails: " << e.what());
    }
    check_answer(block.key, answer, storage::pg::Connection::latest_version());
  }
}

TEST_CASE("the documented queries paste cleanly into the sqlite3 shell") {
  const auto blocks = sql_blocks(read_file(audit_document()).value());
  REQUIRE(blocks.size() >= 5);
  StoreFixture f;
  populate(f);
  std::string script = ".headers on\n.mode box\n";
  for (const auto& b : blocks) script += b.sql;
  const auto input = f.dir.write("queries.sql", script);
  const auto output = f.dir / "output.txt";
  const std::string command = std::string("'") + RECHARGED_SQLITE3_SHELL + "' -readonly -bail '" + f.path.string() +
                              "' < '" + input.string() + "' > '" + output.string() + "' 2>&1";
  const int status = std::system(command.c_str());
  const auto text = read_file(output).value_or("");
  CAPTURE(text);
  CHECK(status == 0);
  CHECK(text.find("Error") == std::string::npos);
  CHECK(text.find("R202611230001") != std::string::npos);
  CHECK(text.find("1500.00") != std::string::npos);
}

TEST_CASE("the PostgreSQL audit queries paste cleanly into psql") {
  const auto blocks =
      sql_blocks(read_file(std::filesystem::path(RECHARGED_SOURCE_DIR) / "docs" / "postgresql-audit.md").value());
  REQUIRE(blocks.size() >= 5);
  StoreFixture f{Backend::postgres};
  populate(f);
  std::string script;
  for (const auto& b : blocks) script += b.sql;
  const auto input = f.dir.write("queries.sql", script);
  const auto output = f.dir / "output.txt";
  const std::string command = "PGOPTIONS='-c default_transaction_read_only=on' psql -X -v ON_ERROR_STOP=1 '" +
                              f.pg_url + "' -f '" + input.string() + "' > '" + output.string() + "' 2>&1";
  const int status = std::system(command.c_str());
  const auto text = read_file(output).value_or("");
  CAPTURE(text);
  CHECK(status == 0);
  CHECK(text.find("ERROR:") == std::string::npos); // psql's error prefix (SYSTEM_ERROR is data)
  CHECK(text.find("R202611230001") != std::string::npos);
  CHECK(text.find("1500.00") != std::string::npos);
}
