#pragma once

// What every OrderStore backend decides the same way, before and around its SQL: which updates are callers'
// bugs, which state changes the merchant's systems hear of, what the write-ahead row's first event says, how
// durable a batch must be, and how a listing filter reads. For storage/*_order_store*.cpp only.

#include "core/result.hpp"
#include "orders/feed_event.hpp"
#include "orders/order.hpp"
#include "storage/database.hpp"
#include "storage/order_store.hpp"
#include "storage/order_update.hpp"

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace recharged::storage::rules {

[[nodiscard]] std::string order_label(std::int64_t id);
[[nodiscard]] std::string clip(std::string_view text); // at most 64 characters of `text`, for messages

// Defence in depth: orders::reconcile decides, but no caller may ask for a move the lifecycle forbids, nor for a
// state change without its compare-and-set guard. Such an update is a bug: the whole call fails, writing nothing.
[[nodiscard]] Status check_update(const OrderUpdate& update);
[[nodiscard]] Status check_updates(std::span<const OrderUpdate> updates);

// What the merchant's systems hear of a move to `to`: CLOSING is our own step and NEW is not news.
[[nodiscard]] std::optional<orders::FeedType> feed_type_of(orders::OrderState to);
// The payload of a feed event: the order as it stood after the change, and the fund return when there is one.
[[nodiscard]] std::string feed_data(const orders::Order& stored, const FundReturnRecord* fund_return = nullptr);

// The `created` event of a write-ahead row.
[[nodiscard]] orders::OrderEvent created_event(TimePoint now);
// A batch is synced when any of its updates must be.
[[nodiscard]] Durability batch_durability(std::span<const OrderUpdate> updates);

// The WHERE clause of list() and its values (all text, in order), with placeholders written by `placeholder`
// (1-based: SQLite's "?", PostgreSQL's "$n").
struct ListWhere {
  std::string where;
  std::vector<std::string> values;
};
[[nodiscard]] ListWhere list_where(const ListFilter& filter, const std::function<std::string(int)>& placeholder);
// Cuts `rows` (read with one more than filter.limit) to a page and its next cursor.
[[nodiscard]] ListPage page_of(std::vector<orders::Order> rows, const ListFilter& filter);

} // namespace recharged::storage::rules
