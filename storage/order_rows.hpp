#pragma once

#include "core/result.hpp"
#include "orders/order.hpp"
#include "storage/order_store.hpp"
#include "storage/row_access.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace SQLite {
class Statement;
}

namespace recharged::storage {

// Rows to values, for the column lists of order_sql.cpp. A value that does not parse back (a time, a state,
// an event source) is Error{kind=storage, code="corrupt"} naming the table, the column and the value.
[[nodiscard]] Result<orders::Order> read_order(const Columns& row);
[[nodiscard]] Result<orders::OrderEvent> read_event(const Columns& row);
[[nodiscard]] Result<NotificationRecord> read_notification(const Columns& row);
[[nodiscard]] Result<FundReturnRecord> read_fund_return(const Columns& row);
// notifications.outcome as stored, back to the enum; a text no version writes is reported as corrupt.
[[nodiscard]] Result<orders::NotificationOutcome> recorded_outcome(const std::string& text);

// Step `query` once (the _optional variant) or to its end, reading every row.
[[nodiscard]] Result<std::optional<orders::Order>> read_optional_order(SQLite::Statement& query);
[[nodiscard]] Result<std::vector<orders::Order>> read_orders(SQLite::Statement& query);
[[nodiscard]] Result<std::vector<orders::OrderEvent>> read_events(SQLite::Statement& query);
[[nodiscard]] Result<std::vector<NotificationRecord>> read_notifications(SQLite::Statement& query);
[[nodiscard]] Result<std::vector<FundReturnRecord>> read_fund_returns(SQLite::Statement& query);

// Values to the named parameters of the order SQL of either backend. Times are set as format_utc text, enums as
// their text, unset optionals as NULL, flags as 0/1.
void bind_new_order(Params& insert, const orders::Order& order, TimePoint now);
void bind_update(Params& update, const OrderUpdate& update_values);
void bind_event(Params& insert, std::int64_t order_id, const orders::OrderEvent& event);
void bind_fund_return(Params& insert, std::int64_t order_id, const FundReturnRecord& record);
void bind_notification(Params& insert, const NotificationRecord& record);

// The named parameters of an SQLite statement (they throw SQLite::Exception on a binding error: callers run
// inside `guarded`).
class SqliteParams final : public Params {
public:
  explicit SqliteParams(SQLite::Statement& statement) noexcept : statement_(statement) {}
  void text(const char* name, std::string value) override;
  void integer(const char* name, std::int64_t value) override;
  void null(const char* name) override;

private:
  SQLite::Statement& statement_;
};

// available_recharge_channels as stored: "BANK_TRANSFER,QR_RECHARGE"; "" = all channels.
[[nodiscard]] std::string join_channels(const std::vector<std::string>& channels);
[[nodiscard]] std::vector<std::string> split_channels(std::string_view text);

} // namespace recharged::storage
