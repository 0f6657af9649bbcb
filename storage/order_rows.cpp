#include "storage/order_rows.hpp"

#include <SQLiteCpp/Column.h>
#include <SQLiteCpp/Statement.h>

#include <optional>

namespace recharged::storage {
namespace {

// A row of an SQLite statement that has just stepped.
class SqliteColumns final : public Columns {
public:
  explicit SqliteColumns(const SQLite::Statement& row) noexcept : row_(row) {}
  bool is_null(int column) const override { return row_.getColumn(column).isNull(); }
  std::string text(int column) const override { return row_.getColumn(column).getString(); }
  std::int64_t integer(int column) const override { return row_.getColumn(column).getInt64(); }
  std::string name(int column) const override { return row_.getColumnName(column); }

private:
  const SQLite::Statement& row_;
};

// Reads the columns of one row left to right and remembers the first value that does not parse.
class RowReader {
public:
  RowReader(const Columns& row, std::string_view table) : row_(row), table_(table) {}

  std::int64_t integer() { return row_.integer(next_++); }
  int small_integer() { return static_cast<int>(integer()); }
  std::string text() { return row_.text(next_++); }

  std::optional<std::int64_t> optional_integer() {
    const int index = next_++;
    if (row_.is_null(index)) return std::nullopt;
    return row_.integer(index);
  }

  std::optional<TimePoint> optional_time() {
    const int index = next_++;
    if (row_.is_null(index)) return std::nullopt;
    const std::string value = row_.text(index);
    auto parsed = parse_rfc3339(value);
    if (!parsed) {
      fail(index, value);
      return std::nullopt;
    }
    return *parsed;
  }

  TimePoint time() {
    const int index = next_;
    auto value = optional_time();
    if (!value) fail(index, "NULL");
    return value.value_or(TimePoint{});
  }

  // An enum column read with `parse`; NULL is nullopt, unknown text is an error.
  template <class Parse>
  auto optional_enum(Parse parse) -> decltype(parse(std::string_view{})) {
    const int index = next_++;
    if (row_.is_null(index)) return std::nullopt;
    const std::string value = row_.text(index);
    auto parsed = parse(value);
    if (!parsed) fail(index, value);
    return parsed;
  }

  template <class Parse>
  auto required_enum(Parse parse) {
    const int index = next_;
    auto value = optional_enum(parse);
    if (!value) fail(index, "NULL");
    return value.value_or(typename decltype(value)::value_type{});
  }

  [[nodiscard]] Status status() const {
    if (error_) return *error_;
    return {};
  }

private:
  void fail(int index, std::string_view value) {
    if (error_) return;
    error_ = Error::make(ErrorKind::storage, "corrupt",
                         "The database holds a value that cannot be read back in " + std::string(table_) + "." +
                             row_.name(index) + ": '" + std::string(value.substr(0, 64)) +
                             "'; it was not written by recharged.");
  }

  const Columns& row_;
  std::string_view table_;
  int next_ = 0;
  std::optional<Error> error_;
};

} // namespace

Result<orders::Order> read_order(const Columns& row) {
  RowReader r(row, "orders");
  orders::Order o;
  o.id = r.integer();
  o.out_recharge_no = r.text();
  o.sub_mchid = r.text();
  o.recharge_scene = r.text();
  o.account_type = r.text();
  o.amount = r.integer();
  o.currency = r.text();
  o.notify_url = r.text();
  o.channels = split_channels(r.text());
  o.remark = r.text();
  o.state = r.required_enum(orders::parse_order_state);
  o.created_at = r.time();
  o.updated_at = r.time();
  o.applied_at = r.optional_time();
  o.final_at = r.optional_time();
  o.recharge_id = r.text();
  o.recharge_url = r.text();
  o.platform_state = r.text();
  o.platform_state_desc = r.text();
  o.recharge_channel = r.text();
  o.accept_time = r.optional_time();
  o.success_time = r.optional_time();
  o.close_time = r.optional_time();
  o.poll_count = r.small_integer();
  o.failure_streak = r.small_integer();
  o.last_poll_at = r.optional_time();
  o.next_poll_at = r.optional_time();
  o.next_poll_reason = r.text();
  o.close_after = r.time();
  o.last_error = r.text();
  o.apply_lease_until = r.optional_time();
  o.apply_lease_owner = r.text();
  RECHARGED_CHECK(r.status());
  return o;
}

Result<orders::OrderEvent> read_event(const Columns& row) {
  RowReader r(row, "order_events");
  orders::OrderEvent e;
  e.id = r.integer();
  e.order_id = r.integer();
  e.at = r.time();
  e.source = r.required_enum(orders::parse_event_source);
  e.kind = r.required_enum(orders::parse_event_kind);
  e.old_state = r.optional_enum(orders::parse_order_state);
  e.new_state = r.optional_enum(orders::parse_order_state);
  e.endpoint = r.text();
  e.http_status = r.small_integer();
  e.request_id = r.text();
  e.error_code = r.text();
  e.message = r.text();
  e.evidence = r.text();
  e.latency_ms = r.integer();
  RECHARGED_CHECK(r.status());
  return e;
}

Result<NotificationRecord> read_notification(const Columns& row) {
  RowReader r(row, "notifications");
  NotificationRecord n;
  n.id = r.text();
  n.event_type = r.text();
  n.out_recharge_no = r.text();
  n.received_at = r.time();
  n.create_time = r.time();
  n.summary = r.text();
  n.resource = r.text();
  const std::string outcome = r.text();
  RECHARGED_CHECK(r.status());
  RECHARGED_TRY(n.outcome, recorded_outcome(outcome));
  return n;
}

Result<orders::NotificationOutcome> recorded_outcome(const std::string& text) {
  if (auto o = orders::parse_notification_outcome(text)) return *o;
  return Error::make(ErrorKind::storage, "corrupt", "A recorded notification has the outcome '" + text.substr(0, 40) +
                                                        "', which no version of recharged writes.");
}

Result<FundReturnRecord> read_fund_return(const Columns& row) {
  RowReader r(row, "fund_returns");
  FundReturnRecord f;
  f.recharge_returned_id = r.text();
  f.recharge_channel = r.text();
  f.amount = r.optional_integer();
  f.currency = r.text();
  f.return_time = r.optional_time();
  f.return_reason = r.text();
  f.bank_name = r.text();
  f.bank_card_tail = r.text();
  f.bank_account_name = r.text();
  f.received_at = r.time();
  RECHARGED_CHECK(r.status());
  return f;
}

namespace {

template <class T>
Result<std::vector<T>> read_all(SQLite::Statement& query, Result<T> (*read)(const Columns&)) {
  std::vector<T> rows;
  const SqliteColumns columns(query);
  while (query.executeStep()) {
    RECHARGED_TRY(T row, read(columns));
    rows.push_back(std::move(row));
  }
  return rows;
}

} // namespace

Result<std::optional<orders::Order>> read_optional_order(SQLite::Statement& query) {
  if (!query.executeStep()) return std::optional<orders::Order>{};
  RECHARGED_TRY(orders::Order order, read_order(SqliteColumns(query)));
  return std::optional<orders::Order>(std::move(order));
}

Result<std::vector<orders::Order>> read_orders(SQLite::Statement& query) { return read_all(query, read_order); }

Result<std::vector<orders::OrderEvent>> read_events(SQLite::Statement& query) { return read_all(query, read_event); }

Result<std::vector<NotificationRecord>> read_notifications(SQLite::Statement& query) {
  return read_all(query, read_notification);
}

Result<std::vector<FundReturnRecord>> read_fund_returns(SQLite::Statement& query) {
  return read_all(query, read_fund_return);
}

std::string join_channels(const std::vector<std::string>& channels) {
  std::string out;
  for (const auto& c : channels) {
    if (!out.empty()) out += ',';
    out += c;
  }
  return out;
}

std::vector<std::string> split_channels(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    const auto comma = text.find(',');
    out.emplace_back(text.substr(0, comma));
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

} // namespace recharged::storage
