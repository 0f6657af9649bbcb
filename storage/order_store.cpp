#include "storage/order_store.hpp"

#include "orders/lifecycle.hpp"
#include "storage/order_json.hpp"
#include "storage/order_store_rules.hpp"

#include <algorithm>

namespace recharged::storage {

Result<std::optional<orders::Order>> OrderStore::commit_one(const OrderUpdate& update) {
  RECHARGED_TRY(auto stored, commit(std::span<const OrderUpdate>(&update, 1)));
  return std::move(stored.front());
}

Result<NotificationResult> OrderStore::record_notification(const NotificationRecord& record,
                                                           const std::optional<OrderUpdate>& update) {
  return record_notification(record, [&](const std::optional<orders::Order>&) -> Result<NotificationDecision> {
    return NotificationDecision{record.outcome, update};
  });
}

std::string format_cursor(const ListCursor& cursor) { return format_utc(cursor.created_at) + "~" + std::to_string(cursor.id); }

Result<ListCursor> parse_cursor(std::string_view text, const std::string& field) {
  const auto bad = [&] {
    return Error::invalid(field, "The " + field + " '" + rules::clip(text) +
                                     "' is not a cursor; pass the next_cursor of a previous page unchanged.");
  };
  const auto tilde = text.find('~');
  if (tilde == std::string_view::npos) return bad();
  auto at = parse_rfc3339(text.substr(0, tilde));
  const std::string digits(text.substr(tilde + 1));
  if (!at || digits.empty() || digits.size() > 18 || digits.find_first_not_of("0123456789") != std::string::npos)
    return bad();
  return ListCursor{*at, std::stoll(digits)};
}

namespace rules {

using orders::OrderState;

std::string order_label(std::int64_t id) { return "order " + std::to_string(id); }

std::string clip(std::string_view text) { return std::string(text.substr(0, 64)); }

namespace {

std::string why_forbidden(OrderState from) {
  if (orders::is_terminal(from)) return "SUCCESS, CLOSED and REJECTED orders never change state";
  if (from == OrderState::suspect) return "a SUSPECT order is held for a human";
  return "the order lifecycle does not allow it";
}

} // namespace

Status check_update(const OrderUpdate& u) {
  if (!u.new_state) return {};
  const std::string to{orders::to_string(*u.new_state)};
  if (!u.expect_state)
    return Error::make(ErrorKind::internal, "missing_guard",
                       "The update of " + order_label(u.order_id) + " sets the state " + to +
                           " without expect_state, the compare-and-set guard every state change needs.");
  if (!orders::transition_allowed(*u.expect_state, *u.new_state))
    return Error::make(ErrorKind::internal, "forbidden_transition",
                       "The update of " + order_label(u.order_id) + " would move it from " +
                           std::string(orders::to_string(*u.expect_state)) + " to " + to + ", but " +
                           why_forbidden(*u.expect_state) + "; nothing was written.");
  return {};
}

Status check_updates(std::span<const OrderUpdate> updates) {
  for (const auto& u : updates) RECHARGED_CHECK(check_update(u));
  return {};
}

std::optional<orders::FeedType> feed_type_of(OrderState to) {
  switch (to) {
  case OrderState::recharging: return orders::FeedType::recharging;
  case OrderState::success: return orders::FeedType::succeeded;
  case OrderState::closed: return orders::FeedType::closed;
  case OrderState::rejected: return orders::FeedType::rejected;
  case OrderState::suspect: return orders::FeedType::suspect;
  case OrderState::new_order:
  case OrderState::closing: return std::nullopt;
  }
  return std::nullopt;
}

std::string feed_data(const orders::Order& stored, const FundReturnRecord* fund_return) {
  nlohmann::json data{{"order", order_object(stored)}};
  if (fund_return) data["fund_return"] = fund_return_object(*fund_return);
  return dump_json(data);
}

orders::OrderEvent created_event(TimePoint now) {
  orders::OrderEvent e;
  e.at = now;
  e.source = orders::EventSource::apply;
  e.kind = orders::EventKind::created;
  e.new_state = OrderState::new_order;
  e.message = "recorded before the apply call";
  return e;
}

Durability batch_durability(std::span<const OrderUpdate> updates) {
  return std::any_of(updates.begin(), updates.end(),
                     [](const OrderUpdate& u) { return storage::durability_of(u) == Durability::synced; })
             ? Durability::synced
             : Durability::unsynced;
}

ListWhere list_where(const ListFilter& f, const std::function<std::string(int)>& placeholder) {
  ListWhere out;
  const auto add = [&out](const std::string& condition) {
    out.where += (out.where.empty() ? " WHERE " : " AND ") + condition;
  };
  const auto next = [&](std::string value) {
    out.values.push_back(std::move(value));
    return placeholder(static_cast<int>(out.values.size()));
  };
  if (!f.states.empty()) {
    std::string in = "state IN (";
    for (std::size_t i = 0; i < f.states.size(); ++i)
      in += (i == 0 ? "" : ", ") + next(std::string(orders::to_string(f.states[i])));
    add(in + ")");
  }
  if (f.sub_mchid) add("sub_mchid = " + next(*f.sub_mchid));
  if (f.created_since) add("created_at >= " + next(format_utc(*f.created_since)));
  if (f.created_until) add("created_at < " + next(format_utc(*f.created_until)));
  if (f.after) {
    const std::string at = next(format_utc(f.after->created_at));
    const std::string at_again = next(format_utc(f.after->created_at));
    add("(created_at < " + at + " OR (created_at = " + at_again + " AND id < " + next(std::to_string(f.after->id)) +
        "))");
  }
  return out;
}

ListPage page_of(std::vector<orders::Order> rows, const ListFilter& filter) {
  ListPage page;
  if (rows.size() > static_cast<std::size_t>(filter.limit)) {
    rows.resize(static_cast<std::size_t>(filter.limit));
    page.next = ListCursor{rows.back().created_at, rows.back().id};
  }
  page.orders = std::move(rows);
  return page;
}

} // namespace rules
} // namespace recharged::storage
