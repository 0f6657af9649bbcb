#include "bench/support/order_life.hpp"

#include "engine/order_recorder.hpp"
#include "engine/order_request.hpp"
#include "wxpay/codec.hpp"

#include <algorithm>
#include <array>

namespace recharged::bench {
namespace {

using orders::EventSource;
using orders::OrderState;
using wxpay::Endpoint;
using wxpay::RechargeChannel;
using wxpay::RechargeState;

std::uint64_t splitmix(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// `length` characters of [0-9A-Z] derived from `seed`: request ids and notification ids look like the real ones.
std::string token(std::uint64_t seed, std::size_t length) {
  static constexpr std::string_view k_alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  std::string out;
  std::uint64_t x = seed;
  while (out.size() < length) {
    x = splitmix(x);
    for (int i = 0; i < 8 && out.size() < length; ++i) out += k_alphabet[((x >> (i * 8)) & 0xFF) % k_alphabet.size()];
  }
  return out;
}

// "RC<yyyyMMddHHmmss Shanghai><8 base-36 digits of the number>": the shape of generate_out_recharge_no.
std::string out_recharge_no(const LifePlan& plan) {
  const std::string stamped = engine::generate_out_recharge_no("RC", plan.created);
  std::string tail(8, '0');
  std::uint64_t n = static_cast<std::uint64_t>(plan.number);
  for (std::size_t i = 8; i-- > 0 && n > 0; n /= 36) tail[i] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[n % 36];
  return stamped.substr(0, stamped.size() - 8) + tail;
}

Millis latency_of(std::uint64_t seed) { return Millis{25 + static_cast<Millis::rep>(splitmix(seed) % 120)}; }

// One order living through its plan; each step is the engine call the daemon makes at that moment.
class Life {
public:
  Life(const engine::Planner& planner, const std::string& sp_mchid, const LifePlan& plan, GeneratedOrder& out)
      : planner_(planner), sp_mchid_(sp_mchid), plan_(plan), out_(out) {}

  void create();
  void apply();
  void visit(TimePoint t);
  void notify_success(TimePoint arrived);
  void fund_return(TimePoint arrived);
  [[nodiscard]] const orders::Order& order() const { return out_.order; }

private:
  wxpay::MchDeposit view(TimePoint t) const;
  engine::CallMeta meta(std::optional<Endpoint> endpoint, EventSource source, std::string body);
  void commit(const std::vector<storage::OrderUpdate>& updates);
  void poll(TimePoint t, EventSource source);
  void close_procedure(TimePoint t);

  const engine::Planner& planner_;
  const std::string& sp_mchid_;
  const LifePlan& plan_;
  GeneratedOrder& out_;
  std::optional<TimePoint> closed_at_;
  std::uint64_t calls_ = 0;
};

void Life::create() {
  wxpay::ApplyRequest r;
  r.sub_mchid = plan_.sub_mchid;
  r.out_recharge_no = out_recharge_no(plan_);
  r.recharge_scene = wxpay::Known<wxpay::RechargeScene>(wxpay::RechargeScene::ecommerce_deposit);
  r.account_type = wxpay::Known<wxpay::AccountType>(wxpay::AccountType::deposit);
  r.recharge_amount = wxpay::Amount{plan_.amount, "CNY"};
  r.notify_url = "https://pay.example.com/wxpay/recharge-notify";
  for (const auto& c : plan_.channels) r.available_recharge_channels.push_back(wxpay::Known<RechargeChannel>::from_text(c));
  orders::Order& o = out_.order;
  o = engine::order_from_request(r, plan_.created);
  o.id = plan_.number + 1;
  o.close_after = planner_.close_deadline(o);
  o.next_poll_at = plan_.created + std::chrono::minutes{2}; // as OrderService::apply: the recovery grace
  o.next_poll_reason = "recover: apply in flight";
  orders::OrderEvent e; // as OrderStore::insert_new
  e.order_id = o.id;
  e.at = plan_.created;
  e.source = EventSource::apply;
  e.kind = orders::EventKind::created;
  e.new_state = OrderState::new_order;
  e.message = "recorded before the apply call";
  out_.events.push_back(std::move(e));
}

engine::CallMeta Life::meta(std::optional<Endpoint> endpoint, EventSource source, std::string body) {
  engine::CallMeta m;
  m.endpoint = endpoint;
  m.source = source;
  const std::uint64_t seed = static_cast<std::uint64_t>(plan_.number) * 1000 + calls_++;
  if (endpoint) {
    m.http_status = 200;
    m.request_id = token(seed, 40);
    m.latency = latency_of(seed);
  }
  m.body = std::move(body);
  return m;
}

void Life::commit(const std::vector<storage::OrderUpdate>& updates) {
  for (const auto& u : updates) {
    out_.order = storage::after_update(out_.order, u);
    for (auto e : u.events) {
      e.order_id = out_.order.id;
      out_.events.push_back(std::move(e));
    }
    if (u.fund_return) out_.fund_return = u.fund_return;
  }
}

void Life::apply() {
  const TimePoint t = plan_.created + latency_of(static_cast<std::uint64_t>(plan_.number));
  const orders::Order& o = out_.order;
  if (plan_.rejected) {
    engine::CallMeta m = meta(Endpoint::apply, EventSource::apply, "");
    Error e = Error::make(ErrorKind::permanent, "PARAM_ERROR",
                          "WeChat Pay answered the apply call with HTTP 400 PARAM_ERROR: 二级商户号未开通充值权限 (field sub_mchid).");
    e.http_status = 400;
    e.request_id = m.request_id;
    m.http_status = 400;
    commit({engine::record_rejected(o, e.message, m, t)});
    return;
  }
  const std::string recharge_id = "100" + format_utc(t).substr(0, 10) + std::to_string(1'000'000'000 + plan_.number);
  wxpay::ApplyResponse answer{recharge_id, o.out_recharge_no,
                              "https://pay.weixin.qq.com/plat/recharge.html?recharge_id=" + recharge_id};
  commit(engine::record_applied(o, answer, meta(Endpoint::apply, EventSource::apply, wxpay::encode(answer)), planner_, t));
}

wxpay::MchDeposit Life::view(TimePoint t) const {
  const orders::Order& o = out_.order;
  wxpay::MchDeposit d;
  d.sp_mchid = sp_mchid_;
  d.sub_mchid = o.sub_mchid;
  d.recharge_id = o.recharge_id;
  d.out_recharge_no = o.out_recharge_no;
  d.account_type = wxpay::Known<wxpay::AccountType>::from_text(o.account_type);
  d.recharge_scene = wxpay::Known<wxpay::RechargeScene>::from_text(o.recharge_scene);
  d.recharge_amount = wxpay::Amount{o.amount, o.currency};
  if (plan_.contradiction_at && t >= *plan_.contradiction_at) d.recharge_amount.amount = o.amount + 100;
  d.accept_time = o.applied_at;
  for (const auto& c : o.channels) d.available_recharge_channels.push_back(wxpay::Known<RechargeChannel>::from_text(c));
  if (closed_at_) {
    d.recharge_state = wxpay::Known<RechargeState>(RechargeState::closed);
    d.recharge_state_desc = "平台商户主动关闭充值单";
    d.close_time = closed_at_;
  } else if (plan_.paid_by && t >= plan_.lands_at) {
    d.recharge_state = wxpay::Known<RechargeState>(RechargeState::success);
    d.recharge_state_desc = "充值成功";
    d.recharge_channel = wxpay::Known<RechargeChannel>(*plan_.paid_by);
    d.success_time = plan_.lands_at;
    const std::string who = token(static_cast<std::uint64_t>(plan_.number) ^ 0x5A5AULL, 12);
    if (*plan_.paid_by == RechargeChannel::qr_recharge) d.qr_recharge_info = wxpay::QrRechargeInfo{"oUpF8u" + who, "ADMIN"};
    else if (*plan_.paid_by == RechargeChannel::bank_transfer)
      d.bank_transfer_info = wxpay::BankTransferInfo{"B" + who, "充值", std::nullopt, "招商银行", "6789", "某某商贸有限公司", std::nullopt};
    else
      d.online_bank_recharge_info = wxpay::OnlineBankRechargeInfo{"O" + who, std::nullopt, "工商银行", "PERSONAL", "4321", "张三", std::nullopt};
  } else {
    d.recharge_state = wxpay::Known<RechargeState>(RechargeState::recharging);
    d.recharge_state_desc = "充值中";
  }
  return d;
}

void Life::poll(TimePoint t, EventSource source) {
  engine::CallMeta m = meta(Endpoint::query, source, "");
  const TimePoint now = t + m.latency;
  const wxpay::MchDeposit v = view(now);
  // The answer is kept as evidence only when it changes something (a move or an alert); encoding every
  // "still RECHARGING" answer would only slow the generator down.
  if (v.recharge_state.text != order().platform_state || v.recharge_amount.amount != order().amount)
    m.body = wxpay::encode(v);
  commit(engine::record_view(out_.order, v, m, planner_, now));
}

void Life::close_procedure(TimePoint t) {
  poll(t, EventSource::close); // the final query
  if (order().state != OrderState::recharging) return;
  const TimePoint decided = order().updated_at + Millis{1};
  commit({engine::record_decision(order(), OrderState::closing, EventSource::close,
                                  "stale: closing an unpaid order before the platform's 7-day link expiry", planner_,
                                  decided)});
  engine::CallMeta m = meta(Endpoint::close, EventSource::close, "");
  const TimePoint now = decided + m.latency;
  closed_at_ = now;
  const wxpay::MchDeposit v = view(now);
  m.body = wxpay::encode(v);
  commit(engine::record_view(order(), v, m, planner_, now));
  if (order().state == OrderState::suspect) return;
  poll(now + Millis{1}, EventSource::close); // the confirming query
}

void Life::visit(TimePoint t) {
  if (order().state == OrderState::recharging && t >= order().close_after) close_procedure(t);
  else poll(t, EventSource::poll);
}

// As notify::NotificationHandler::order_event, then the dispatcher's confirming query.
void Life::notify_success(TimePoint arrived) {
  const TimePoint t = std::max(arrived, order().updated_at + Millis{1}); // received after the last recorded call
  wxpay::MchDeposit v = view(t);
  v.remark = out_.order.remark.empty() ? std::nullopt : std::optional<std::string>(out_.order.remark);
  const std::string plaintext = wxpay::encode(v);
  auto updates = engine::record_view(order(), v, meta(std::nullopt, EventSource::notify, plaintext), planner_, t);
  if (updates.size() != 1) return;
  storage::OrderUpdate& u = updates.front();
  const orders::NotificationOutcome outcome = engine::as_notification(u, "RECHARGE.SUCCESS");
  storage::NotificationRecord n;
  n.id = token(static_cast<std::uint64_t>(plan_.number) ^ 0xC0FFEEULL, 36);
  n.event_type = "RECHARGE.SUCCESS";
  n.out_recharge_no = order().out_recharge_no;
  n.received_at = t;
  n.create_time = plan_.lands_at;
  n.summary = "充值成功";
  n.resource = plaintext;
  n.outcome = outcome;
  out_.notifications.push_back(std::move(n));
  commit({u});
  poll(t + Millis{3}, EventSource::notify);
}

// As notify::NotificationHandler::fund_returned.
void Life::fund_return(TimePoint arrived) {
  const TimePoint t = std::max(arrived, order().updated_at + Millis{1});
  storage::FundReturnRecord r;
  r.recharge_returned_id = "R" + token(static_cast<std::uint64_t>(plan_.number) ^ 0xFEEDULL, 31);
  r.recharge_channel = std::string(wxpay::to_string(*plan_.paid_by));
  r.amount = plan_.amount;
  r.currency = "CNY";
  r.return_time = t - std::chrono::minutes{5};
  r.return_reason = "付款方账户信息有误";
  r.bank_name = "招商银行";
  r.bank_card_tail = "6789";
  r.bank_account_name = "某某商贸有限公司";
  r.received_at = t;
  wxpay::FundReturned f;
  f.recharge_returned_id = r.recharge_returned_id;
  f.sp_mchid = sp_mchid_;
  f.sub_mchid = order().sub_mchid;
  f.out_recharge_no = order().out_recharge_no;
  f.recharge_id = order().recharge_id;
  f.recharge_channel = wxpay::Known<RechargeChannel>(*plan_.paid_by);
  f.amount = wxpay::Amount{plan_.amount, "CNY"};
  f.return_time = r.return_time;
  f.return_reason = r.return_reason;
  const std::string plaintext = wxpay::encode(f);
  storage::OrderUpdate u;
  u.order_id = order().id;
  u.updated_at = t;
  u.fund_return = r;
  orders::OrderEvent e;
  e.at = t;
  e.source = EventSource::notify;
  e.kind = orders::EventKind::fund_returned;
  e.message = "funds returned to the payer: " + format_yuan(plan_.amount) + " CNY (" + r.return_reason + ")";
  e.evidence = plaintext;
  u.events.push_back(std::move(e));
  storage::NotificationRecord n;
  n.id = token(static_cast<std::uint64_t>(plan_.number) ^ 0xBADULL, 36);
  n.event_type = "RECHARGE.FUND_RETURNED";
  n.out_recharge_no = order().out_recharge_no;
  n.received_at = t;
  n.create_time = t;
  n.summary = "充值资金退回";
  n.resource = plaintext;
  n.outcome = orders::NotificationOutcome::fund_returned;
  out_.notifications.push_back(std::move(n));
  commit({u});
}

} // namespace

LifeSimulator::LifeSimulator(const engine::Planner& planner, std::string sp_mchid)
    : planner_(planner), sp_mchid_(std::move(sp_mchid)) {}

GeneratedOrder LifeSimulator::live(const LifePlan& plan, TimePoint as_of) const {
  GeneratedOrder out;
  Life life(planner_, sp_mchid_, plan, out);
  life.create();
  life.apply();
  const TimePoint never = TimePoint::max();
  TimePoint notify_at = plan.paid_by && plan.notified ? plan.lands_at + Millis{1500 + plan.number % 3000} : never;
  for (;;) {
    const orders::Order& o = life.order();
    const TimePoint next = orders::is_open(o.state) && o.next_poll_at ? *o.next_poll_at : never;
    if (notify_at <= next && notify_at <= as_of) {
      life.notify_success(notify_at);
      notify_at = never;
      continue;
    }
    if (next > as_of) break;
    life.visit(next);
  }
  if (plan.returned_at && *plan.returned_at <= as_of && life.order().state == OrderState::success)
    life.fund_return(*plan.returned_at);
  return out;
}

} // namespace recharged::bench
