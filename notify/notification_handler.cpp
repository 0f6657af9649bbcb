#include "notify/notification_handler.hpp"

#include "core/money.hpp"
#include "engine/order_log.hpp"
#include "engine/order_recorder.hpp"
#include "logging/event_line.hpp"
#include "wxpay/codec.hpp"
#include "wxpay/notification.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/logger.h>

namespace recharged::notify {

using logging::EventLine;

namespace {

using orders::NotificationOutcome;

Reply fail(int status, NotificationOutcome outcome, const std::string& message) {
  Reply r;
  r.status = status;
  r.outcome = outcome;
  r.body = nlohmann::json{{"code", "FAIL"}, {"message", message}}.dump();
  return r;
}

// A notification for an order this database does not hold: 404 on every delivery, retries included, so WeChat
// Pay keeps reporting it as undelivered while an operator looks (a notify_url pointing at the wrong instance).
Reply unknown_order() { return fail(404, NotificationOutcome::unknown_order, "unknown order"); }

Reply ok(NotificationOutcome outcome) {
  Reply r;
  r.outcome = outcome;
  return r;
}

NotificationOutcome rejection_outcome(const Error& e) {
  if (e.reason == ErrorReason::signature) {
    if (e.field == "probe") return NotificationOutcome::probe;
    if (e.field == "clock_skew" || e.field == "timestamp") return NotificationOutcome::stale;
    return NotificationOutcome::bad_signature;
  }
  if (e.reason == ErrorReason::decrypt || e.reason == ErrorReason::algorithm) return NotificationOutcome::decrypt;
  return NotificationOutcome::malformed;
}

storage::NotificationRecord record_of(const std::string& id, const std::string& event_type, const std::string& no,
                                      const std::string& summary, std::optional<TimePoint> created,
                                      const std::string& plaintext, TimePoint now) {
  storage::NotificationRecord r;
  r.id = id;
  r.event_type = event_type;
  r.out_recharge_no = no;
  r.received_at = now;
  r.create_time = created.value_or(now);
  r.summary = summary;
  r.resource = plaintext;
  return r;
}

} // namespace

NotificationHandler::NotificationHandler(HandlerContext ctx) : ctx_(std::move(ctx)) {}

Reply NotificationHandler::handle(const http::Headers& headers, std::string_view body) {
  std::string event_type = "unverified";
  Reply reply = judge(headers, body, event_type);
  reply.event_type = std::move(event_type);
  return reply;
}

Reply NotificationHandler::judge(const http::Headers& headers, std::string_view body, std::string& event_type) {
  auto opened = wxpay::open_notification(ctx_.keys, ctx_.apiv3_key, headers, body, ctx_.clock.now());
  if (!opened) {
    const Error& e = opened.error();
    const NotificationOutcome outcome = rejection_outcome(e);
    ctx_.log->warn(EventLine("notify_rejected").kv("reason", orders::to_string(outcome)).kv("error", e.message).str());
    return fail(e.reason == ErrorReason::signature ? 401 : 400, outcome, e.message);
  }
  const wxpay::Notification& n = opened->envelope;
  const std::string& event = n.event_type;
  event_type = event.substr(0, 64);
  if (event == wxpay::k_event_success || event == wxpay::k_event_closed)
    return order_event(n.id, event, n.summary, n.create_time, opened->plaintext);
  if (event == wxpay::k_event_fund_returned) return fund_returned(n.id, n.summary, n.create_time, opened->plaintext);
  // A genuine notification of a kind this build does not know: keep it, change nothing, do not ask for retries.
  ctx_.log->warn(EventLine("notify_ignored").kv("id", n.id).kv("event_type", event).str());
  return store(record_of(n.id, event, "", n.summary, n.create_time, opened->plaintext, ctx_.clock.now()),
               [](const std::optional<orders::Order>&) -> Result<storage::NotificationDecision> {
                 return storage::NotificationDecision{NotificationOutcome::ignored, std::nullopt};
               },
               false);
}

Reply NotificationHandler::order_event(const std::string& id, const std::string& event_type, const std::string& summary,
                                       std::optional<TimePoint> created, const std::string& plaintext) {
  auto view = wxpay::decode_mch_deposit(plaintext);
  if (!view) {
    ctx_.log->warn(EventLine("notify_rejected").kv("reason", "malformed").kv("error", view.error().message).str());
    return fail(400, NotificationOutcome::malformed, view.error().message);
  }
  const TimePoint now = ctx_.clock.now();
  // Judged against the order as stored when the notification is recorded, in the same transaction.
  std::optional<std::pair<orders::Order, storage::OrderUpdate>> decided; // for the log, once it is committed
  auto judge = [&](const std::optional<orders::Order>& order) -> Result<storage::NotificationDecision> {
    decided.reset();
    if (!order || view->sp_mchid != ctx_.sp_mchid) return storage::NotificationDecision{NotificationOutcome::unknown_order, std::nullopt};
    engine::CallMeta meta;
    meta.endpoint.reset();
    meta.source = orders::EventSource::notify;
    meta.body = plaintext;
    auto updates = engine::record_view(*order, *view, meta, ctx_.planner, now);
    // A NEW order (apply still in flight or interrupted): a query walks it through its states.
    if (updates.size() != 1) return storage::NotificationDecision{NotificationOutcome::queued_for_query, std::nullopt};
    storage::OrderUpdate& u = updates.front();
    const NotificationOutcome outcome = engine::as_notification(u, event_type);
    decided.emplace(*order, u);
    return storage::NotificationDecision{outcome, std::move(u)};
  };
  Reply r = store(record_of(id, event_type, view->out_recharge_no, summary, created, plaintext, now), judge);
  r.out_recharge_no = view->out_recharge_no;
  if (r.status / 100 == 2 && r.outcome != NotificationOutcome::duplicate && decided)
    engine::log_order_events(*ctx_.log, decided->first, decided->second);
  if (r.outcome != NotificationOutcome::unknown_order) return r;
  ctx_.log->warn(EventLine("notify_rejected").kv("reason", "unknown_order").kv("id", id)
                     .kv("out_recharge_no", view->out_recharge_no).kv("sp_mchid", view->sp_mchid).str());
  Reply unknown = unknown_order();
  unknown.out_recharge_no = view->out_recharge_no;
  return unknown;
}

Reply NotificationHandler::fund_returned(const std::string& id, const std::string& summary,
                                         std::optional<TimePoint> created, const std::string& plaintext) {
  auto fr = wxpay::decode_fund_returned(plaintext);
  if (!fr) return fail(400, NotificationOutcome::malformed, fr.error().message);
  const TimePoint now = ctx_.clock.now();
  storage::FundReturnRecord ret;
  ret.recharge_returned_id = fr->recharge_returned_id;
  ret.recharge_channel = fr->recharge_channel.text;
  if (fr->amount) {
    ret.amount = fr->amount->amount;
    ret.currency = fr->amount->currency;
  }
  ret.return_time = fr->return_time;
  ret.return_reason = fr->return_reason.value_or("");
  ret.bank_name = fr->bank_name.value_or("");
  ret.bank_card_tail = fr->bank_card_tail.value_or("");
  ret.bank_account_name = fr->bank_account_name.value_or("");
  ret.received_at = now;
  auto judge = [&](const std::optional<orders::Order>& order) -> Result<storage::NotificationDecision> {
    if (!order || fr->sp_mchid != ctx_.sp_mchid) return storage::NotificationDecision{NotificationOutcome::unknown_order, std::nullopt};
    storage::OrderUpdate u;
    u.order_id = order->id;
    u.updated_at = now;
    u.fund_return = ret;
    orders::OrderEvent e;
    e.order_id = order->id;
    e.at = now;
    e.source = orders::EventSource::notify;
    e.kind = orders::EventKind::fund_returned;
    e.message = "funds returned to the payer" +
                (ret.amount ? ": " + format_yuan(*ret.amount) + " " + ret.currency : "") +
                (ret.return_reason.empty() ? "" : " (" + ret.return_reason + ")");
    e.evidence = plaintext;
    u.events.push_back(std::move(e));
    engine::defer_close_for_return(u, *order, ret.return_time.value_or(now), ctx_.planner, now);
    return storage::NotificationDecision{NotificationOutcome::fund_returned, std::move(u)};
  };
  const Reply r = store(record_of(id, std::string(wxpay::k_event_fund_returned), fr->out_recharge_no, summary, created,
                                  plaintext, now),
                        judge, false);
  if (r.outcome == NotificationOutcome::unknown_order) return unknown_order();
  if (r.outcome == NotificationOutcome::fund_returned)
    ctx_.log->warn(EventLine("fund_returned").kv("out_recharge_no", fr->out_recharge_no).kv("sub_mchid", fr->sub_mchid)
                       .kv("amount_fen", ret.amount.value_or(0)).kv("reason", ret.return_reason).str());
  return r;
}

Reply NotificationHandler::store(storage::NotificationRecord record, const storage::NotificationJudge& judge,
                                 bool confirm_after) {
  auto saved = ctx_.store.record_notification(record, judge);
  if (!saved) {
    ctx_.log->error(EventLine("notify_store_failed").kv("id", record.id).kv("error", saved.error().message).str());
    return fail(500, NotificationOutcome::storage_error, "temporarily unable to record the notification");
  }
  if (saved->duplicate) {
    ctx_.log->info(EventLine("notify_duplicate").kv("id", record.id).kv("out_recharge_no", record.out_recharge_no)
                       .kv("first_outcome", orders::to_string(saved->outcome)).str());
    // A retry gets the answer the first delivery got: a notification for an order we do not hold stays 404.
    if (saved->outcome == NotificationOutcome::unknown_order) return unknown_order();
    return ok(NotificationOutcome::duplicate);
  }
  ctx_.log->info(EventLine("notify_received").kv("id", record.id).kv("event_type", record.event_type)
                     .kv("out_recharge_no", record.out_recharge_no).kv("outcome", orders::to_string(saved->outcome)).str());
  if (confirm_after && saved->outcome != NotificationOutcome::unknown_order && ctx_.confirm) ctx_.confirm(record.out_recharge_no);
  return ok(saved->outcome);
}

} // namespace recharged::notify
