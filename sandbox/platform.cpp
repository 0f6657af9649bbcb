#include "sandbox/platform.hpp"

#include "sandbox/apply_rules.hpp"

#include <algorithm>
#include <cstdio>

namespace recharged::sandbox {

std::string_view to_string(EventKind k) noexcept {
  switch (k) {
  case EventKind::applied: return "applied";
  case EventKind::paid: return "paid";
  case EventKind::succeeded: return "succeeded";
  case EventKind::returned: return "returned";
  case EventKind::refunded: return "refunded";
  case EventKind::closed: return "closed";
  case EventKind::expired: return "expired";
  }
  return "applied";
}

std::optional<std::string_view> notification_type(EventKind k) noexcept {
  switch (k) {
  case EventKind::succeeded: return "RECHARGE.SUCCESS";
  case EventKind::closed:
  case EventKind::expired: return "RECHARGE.CLOSED";
  case EventKind::returned: return "RECHARGE.FUND_RETURNED";
  default: return std::nullopt;
  }
}

struct Platform::Order {
  MchDeposit deposit;
  std::optional<std::string> notify_url;
  std::optional<std::string> remark;
  OrderFacts facts;
  PayerPlan plan;
  std::uint64_t generation = 0; // bumped when pay_now() replaces the plan: older due entries are void
  std::vector<FundReturned> returns;
  std::uint64_t queries = 0;
  std::uint64_t closes = 0;

  [[nodiscard]] RechargeState state() const { return deposit.recharge_state; }
};

namespace {

std::string yyyymmdd(TimePoint t) {
  const auto d = schedule::shanghai_date(t);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d%02u%02u", static_cast<int>(d.year()), static_cast<unsigned>(d.month()),
                static_cast<unsigned>(d.day()));
  return buf;
}

std::string padded(std::uint64_t n, int width) {
  std::string s = std::to_string(n);
  return s.size() < static_cast<std::size_t>(width) ? std::string(static_cast<std::size_t>(width) - s.size(), '0') + s : s;
}

PlatformError not_found() { return platform_error(NamedError::not_found); }

} // namespace

Platform::Platform(PlatformConfig config, const schedule::SettlementCalendar& calendar, const Clock& clock)
    : config_(std::move(config)), clock_(clock),
      payers_(config_.payer_mix, config_.seed, calendar) {}

Platform::~Platform() = default;

template <class Fn>
auto Platform::locked(Fn&& fn) {
  bool wake = false;
  auto out = [&] {
    std::lock_guard lock(mu_);
    process_due_locked(clock_.now());
    auto result = fn();
    wake = std::exchange(wake_needed_, false);
    return result;
  }();
  if (wake && wakeup_) wakeup_();
  return out;
}

void Platform::set_wakeup(std::function<void()> wakeup) { wakeup_ = std::move(wakeup); }

Platform::Order* Platform::find_locked(std::string_view out_recharge_no) {
  const auto it = orders_.find(std::string(out_recharge_no));
  return it == orders_.end() ? nullptr : it->second.get();
}

const Platform::Order* Platform::find_locked(std::string_view out_recharge_no) const {
  const auto it = orders_.find(std::string(out_recharge_no));
  return it == orders_.end() ? nullptr : it->second.get();
}

std::string Platform::next_recharge_id(TimePoint at) { return "100" + yyyymmdd(at) + padded(next_id_++, 10); }

Outcome<ApplyResponse> Platform::apply(const ApplyRequest& r) {
  return locked([&]() -> Outcome<ApplyResponse> {
    ++counters_.apply_calls;
    if (valid_out_recharge_no(r.out_recharge_no)) ++apply_counts_[r.out_recharge_no];
    if (auto refused = check_apply(r, config_.sub_mchids)) return std::move(*refused);
    if (find_locked(r.out_recharge_no) != nullptr) {
      ++counters_.duplicate_applies;
      return platform_error(NamedError::duplicate);
    }
    const Order& order = create_locked(r, clock_.now());
    const MchDeposit& d = order.deposit;
    return ApplyResponse{d.recharge_id, d.out_recharge_no, config_.recharge_url_base + "?recharge_id=" + d.recharge_id};
  });
}

Platform::Order& Platform::create_locked(const ApplyRequest& r, TimePoint now) {
  auto order = std::make_unique<Order>();
  MchDeposit& d = order->deposit;
  d.sp_mchid = config_.sp_mchid;
  d.sub_mchid = r.sub_mchid;
  d.recharge_id = next_recharge_id(now);
  d.out_recharge_no = r.out_recharge_no;
  d.account_type = r.account_type;
  d.recharge_state = RechargeState::recharging;
  d.recharge_scene = r.recharge_scene;
  d.recharge_state_desc = std::string(k_desc_recharging);
  d.recharge_amount = r.recharge_amount;
  d.accept_time = now;
  d.available_recharge_channels = r.available_recharge_channels;
  order->notify_url = r.notify_url;
  order->remark = r.remark;
  order->facts = OrderFacts{r.out_recharge_no, r.sub_mchid, d.recharge_id, r.recharge_amount.amount,
                            r.available_recharge_channels, now, now + config_.link_ttl};
  if (config_.payers == Payers::simulated) order->plan = payers_.plan(order->facts);
  Order& placed = *order;
  orders_.emplace(r.out_recharge_no, std::move(order));
  order_list_.push_back(&placed);
  ++counters_.orders;
  ++counters_.recharging;
  due_.push(Due{placed.facts.expires_at, seq_++, DueKind::expire, r.out_recharge_no, 0, 0});
  schedule_plan_locked(placed, 0);
  emit_locked(EventKind::applied, placed, now);
  return placed;
}

Outcome<MchDeposit> Platform::query(std::string_view sub_mchid, std::string_view out_recharge_no) {
  return locked([&]() -> Outcome<MchDeposit> {
    ++counters_.queries;
    if (auto refused = check_order_ref(sub_mchid, out_recharge_no)) return std::move(*refused);
    Order* order = find_locked(out_recharge_no);
    if (order == nullptr || order->deposit.sub_mchid != sub_mchid) return not_found();
    ++order->queries;
    return order->deposit;
  });
}

Outcome<MchDeposit> Platform::close(std::string_view sub_mchid, std::string_view out_recharge_no) {
  return locked([&]() -> Outcome<MchDeposit> {
    ++counters_.closes;
    if (auto refused = check_order_ref(sub_mchid, out_recharge_no)) return std::move(*refused);
    Order* order = find_locked(out_recharge_no);
    if (order == nullptr || order->deposit.sub_mchid != sub_mchid) return not_found();
    ++order->closes;
    if (order->state() == RechargeState::recharging) {
      const TimePoint now = clock_.now();
      close_locked(*order, now, k_desc_closed_by_merchant);
      emit_locked(EventKind::closed, *order, now);
    }
    return order->deposit;
  });
}

std::vector<PlatformEvent> Platform::advance() {
  std::lock_guard lock(mu_);
  process_due_locked(clock_.now());
  wake_needed_ = false;
  return std::exchange(events_, {});
}

std::optional<TimePoint> Platform::next_due() const {
  std::lock_guard lock(mu_);
  if (due_.empty()) return std::nullopt;
  return due_.top().at;
}

Outcome<OrderTruth> Platform::pay_now(std::string_view out_recharge_no, const PayRequest& request) {
  return locked([&]() -> Outcome<OrderTruth> {
    Order* order = find_locked(out_recharge_no);
    if (order == nullptr) return not_found();
    if (order->state() != RechargeState::recharging)
      return PlatformError::make(400, "INVALID_REQUEST",
                                 "充值单状态为" + std::string(to_string(order->state())) + ",无法支付");
    const TimePoint now = clock_.now();
    Payment p = payers_.payment(order->facts, request.channel, now);
    if (request.settlement == Settlement::immediate) p.lands_at = now;
    p.return_reason = request.return_reason;
    auto& payments = order->plan.payments;
    std::erase_if(payments, [now](const Payment& old) { return old.lands_at > now; }); // landed ones are history
    payments.push_back(std::move(p));
    ++order->generation;
    schedule_plan_locked(*order, payments.size() - 1);
    process_due_locked(now);
    return truth_locked(*order);
  });
}

std::optional<OrderTruth> Platform::truth(std::string_view out_recharge_no) const {
  std::lock_guard lock(mu_);
  const Order* order = find_locked(out_recharge_no);
  if (order == nullptr) return std::nullopt;
  return truth_locked(*order);
}

std::vector<OrderTruth> Platform::orders() const {
  std::lock_guard lock(mu_);
  std::vector<OrderTruth> out;
  out.reserve(order_list_.size());
  for (const Order* o : order_list_) out.push_back(truth_locked(*o));
  return out;
}

PlatformCounters Platform::counters() const {
  std::lock_guard lock(mu_);
  return counters_;
}

std::uint64_t Platform::applies(std::string_view out_recharge_no) const {
  std::lock_guard lock(mu_);
  const auto it = apply_counts_.find(std::string(out_recharge_no));
  return it == apply_counts_.end() ? 0 : it->second;
}

OrderTruth Platform::truth_locked(const Order& o) const {
  OrderTruth t;
  t.deposit = o.deposit;
  t.notify_url = o.notify_url;
  t.remark = o.remark;
  t.applied_at = o.facts.applied_at;
  t.expires_at = o.facts.expires_at;
  t.plan = o.plan;
  t.returns = o.returns;
  const auto it = apply_counts_.find(o.deposit.out_recharge_no);
  t.applies = it == apply_counts_.end() ? 0 : it->second;
  t.queries = o.queries;
  t.closes = o.closes;
  return t;
}

void Platform::schedule_plan_locked(Order& order, std::size_t from) {
  for (std::size_t i = from; i < order.plan.payments.size(); ++i) {
    const Payment& p = order.plan.payments[i];
    due_.push(Due{p.paid_at, seq_++, DueKind::pay, order.deposit.out_recharge_no, order.generation, i});
    due_.push(Due{p.lands_at, seq_++, DueKind::land, order.deposit.out_recharge_no, order.generation, i});
  }
}

void Platform::process_due_locked(TimePoint now) {
  while (!due_.empty() && due_.top().at <= now) {
    const Due due = due_.top();
    due_.pop();
    Order* order = find_locked(due.out_recharge_no);
    if (order == nullptr) continue;
    if (due.kind == DueKind::expire) {
      if (order->state() == RechargeState::recharging) {
        close_locked(*order, due.at, k_desc_expired);
        emit_locked(EventKind::expired, *order, due.at);
      }
      continue;
    }
    if (due.generation != order->generation || due.payment >= order->plan.payments.size()) continue;
    const Payment& p = order->plan.payments[due.payment];
    if (due.kind == DueKind::pay) emit_locked(EventKind::paid, *order, due.at, p);
    else handle_land(*order, p, due.at);
  }
}

void Platform::handle_land(Order& order, const Payment& p, TimePoint at) {
  switch (order.state()) {
  case RechargeState::recharging:
    if (p.return_reason) send_back(order, p, *p.return_reason, at);
    else credit(order, p, at);
    return;
  case RechargeState::success:
    if (p.channel == RechargeChannel::qr_recharge) emit_locked(EventKind::refunded, order, at, p);
    else send_back(order, p, std::string(k_return_duplicate), at);
    return;
  default:
    if (p.channel == RechargeChannel::qr_recharge) emit_locked(EventKind::refunded, order, at, p);
    else send_back(order, p, std::string(k_return_order_closed), at);
    return;
  }
}

void Platform::credit(Order& order, const Payment& p, TimePoint at) {
  MchDeposit& d = order.deposit;
  d.recharge_state = RechargeState::success;
  d.recharge_state_desc = std::string(k_desc_success);
  d.recharge_channel = p.channel;
  d.success_time = at;
  d.bank_transfer_info.reset();
  d.qr_recharge_info.reset();
  d.online_bank_recharge_info.reset();
  const PayerDetails& who = p.payer;
  if (p.channel == RechargeChannel::bank_transfer) {
    d.bank_transfer_info = BankTransferInfo{who.bill_no, who.memo, std::nullopt, who.bank_name,
                                            who.bank_card_tail, who.bank_account_name, std::nullopt};
  } else if (p.channel == RechargeChannel::online_bank) {
    d.online_bank_recharge_info = OnlineBankRechargeInfo{who.bill_no, std::nullopt, who.bank_name, who.online_bank_type,
                                                         who.bank_card_tail, who.bank_account_name, std::nullopt};
  } else {
    d.qr_recharge_info = QrRechargeInfo{who.openid, who.employee_type};
  }
  --counters_.recharging;
  ++counters_.success;
  emit_locked(EventKind::succeeded, order, at, p);
}

void Platform::send_back(Order& order, const Payment& p, std::string reason, TimePoint at) {
  const PayerDetails& who = p.payer;
  FundReturned f;
  f.recharge_returned_id = "1017" + yyyymmdd(at) + padded(next_id_++, 14);
  f.sp_mchid = order.deposit.sp_mchid;
  f.sub_mchid = order.deposit.sub_mchid;
  f.out_recharge_no = order.deposit.out_recharge_no;
  f.recharge_id = order.deposit.recharge_id;
  f.recharge_channel = p.channel;
  f.bank_name = who.bank_name;
  f.bank_card_tail = who.bank_card_tail;
  f.bank_account_name = who.bank_account_name;
  if (p.channel == RechargeChannel::bank_transfer) f.memo = who.memo;
  else f.online_bank_type = who.online_bank_type;
  f.amount = Amount{p.amount, "CNY"};
  f.return_time = at;
  f.return_reason = reason;
  MchDeposit& d = order.deposit;
  if (order.state() == RechargeState::recharging) { // terminal answers never change
    if (p.channel == RechargeChannel::bank_transfer)
      d.bank_transfer_info = BankTransferInfo{who.bill_no, who.memo, reason, who.bank_name, who.bank_card_tail,
                                              who.bank_account_name, at};
    else
      d.online_bank_recharge_info = OnlineBankRechargeInfo{who.bill_no, reason, who.bank_name, who.online_bank_type,
                                                           who.bank_card_tail, who.bank_account_name, at};
  }
  order.returns.push_back(f);
  ++counters_.fund_returns;
  emit_locked(EventKind::returned, order, at, p, std::move(f));
}

void Platform::close_locked(Order& order, TimePoint at, std::string_view reason) {
  order.deposit.recharge_state = RechargeState::closed;
  order.deposit.recharge_state_desc = std::string(reason);
  order.deposit.close_time = at;
  --counters_.recharging;
  ++counters_.closed;
}

void Platform::emit_locked(EventKind kind, const Order& order, TimePoint at, std::optional<Payment> payment,
                           std::optional<FundReturned> returned) {
  if (config_.events == EventQueue::drop) return;
  PlatformEvent e;
  e.kind = kind;
  e.at = at;
  e.notify_url = order.notify_url;
  e.deposit = order.deposit;
  e.remark = order.remark;
  e.payment = std::move(payment);
  e.fund_returned = std::move(returned);
  events_.push_back(std::move(e));
  wake_needed_ = true;
}

} // namespace recharged::sandbox
