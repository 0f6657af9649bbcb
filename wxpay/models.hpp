#pragma once

#include "core/money.hpp"
#include "core/time.hpp"
#include "wxpay/enums.hpp"

#include <optional>
#include <string>
#include <vector>

namespace recharged::wxpay {

// Field names and sizes follow the reference pages (申请/查询/关闭二级商户充值, docs/PROTOCOL.md). Fields the
// pages mark optional (选填) are std::optional; platform times are parsed RFC 3339 instants.

// recharge_amount in a request: both members are required there.
struct Amount {
  Fen amount = 0;
  std::string currency = "CNY";
  friend bool operator==(const Amount&, const Amount&) = default;
};

// recharge_amount in a query/close answer or a notification: the object is required but both of its members
// are optional (选填). An absent currency means CNY, the only currency the API supports.
struct ReportedAmount {
  std::optional<Fen> amount;
  std::optional<std::string> currency;

  ReportedAmount() = default;
  ReportedAmount(std::optional<Fen> a, std::optional<std::string> c) : amount(a), currency(std::move(c)) {}
  ReportedAmount(const Amount& a) : amount(a.amount), currency(a.currency) {}
  // The currency as the platform means it: the one sent, else CNY.
  [[nodiscard]] std::string currency_or_default() const { return currency.value_or("CNY"); }
  friend bool operator==(const ReportedAmount&, const ReportedAmount&) = default;
};

// An optional field that was present but could not be read (a time that is not RFC 3339, a value of the
// wrong type). The rest of the answer is still used; the field's raw JSON is kept for the audit trail.
struct UnreadField {
  std::string field; // dotted path, e.g. "bank_transfer_info.return_time"
  std::string text;  // the raw JSON value, cut at 200 bytes
  friend bool operator==(const UnreadField&, const UnreadField&) = default;
};

// POST /v3/platsolution/ecommerce/recharges/apply
struct ApplyRequest {
  std::string sub_mchid;
  std::string out_recharge_no;
  Known<RechargeScene> recharge_scene;
  Known<AccountType> account_type;
  Amount recharge_amount;
  std::optional<std::string> notify_url;
  std::vector<Known<RechargeChannel>> available_recharge_channels; // empty = all channels (field omitted)
  std::optional<std::string> remark;
};

struct ApplyResponse {
  std::string recharge_id;
  std::string out_recharge_no;
  std::string recharge_url;
};

struct BankTransferInfo {
  std::optional<std::string> bill_no, memo, return_reason, bank_name, bank_card_tail, bank_account_name;
  std::optional<TimePoint> return_time;
};

struct QrRechargeInfo {
  std::optional<std::string> openid;
  std::optional<std::string> employee_type; // ADMIN | STAFF | LEGAL_PERSON, kept as text
};

struct OnlineBankRechargeInfo {
  std::optional<std::string> bill_no, return_reason, bank_name, online_bank_type, bank_card_tail, bank_account_name;
  std::optional<TimePoint> return_time;
};

// The order as the platform reports it (query and close answers; also the decrypted RECHARGE.SUCCESS/CLOSED
// notification resource, which adds `remark`).
struct MchDeposit {
  std::string sp_mchid;
  std::string sub_mchid;
  std::string recharge_id;
  std::string out_recharge_no;
  std::optional<Known<RechargeChannel>> recharge_channel; // only once SUCCESS
  Known<AccountType> account_type;
  Known<RechargeState> recharge_state;
  Known<RechargeScene> recharge_scene;
  std::optional<std::string> recharge_state_desc;
  ReportedAmount recharge_amount;
  std::optional<BankTransferInfo> bank_transfer_info;
  std::optional<QrRechargeInfo> qr_recharge_info;
  std::optional<OnlineBankRechargeInfo> online_bank_recharge_info;
  std::optional<TimePoint> accept_time;
  std::optional<TimePoint> success_time;
  std::optional<TimePoint> close_time; // the platform's own samples include it even on SUCCESS: tolerated
  std::vector<Known<RechargeChannel>> available_recharge_channels;
  std::optional<std::string> remark; // notifications only
  std::vector<UnreadField> unread;   // optional fields present but unreadable (decoding only; never encoded)
};

// {"code","message","detail":{"field","value","issue","location"}} on any non-2xx answer.
struct ErrorBody {
  std::string code;
  std::string message;
  std::optional<std::string> detail_field;
  std::optional<std::string> detail_issue;
};

// The outer notification envelope (plaintext part).
struct NotificationResource {
  std::string original_type;
  std::string algorithm;
  std::string ciphertext;
  std::string associated_data;
  std::string nonce;
};

struct Notification {
  std::string id;
  std::optional<TimePoint> create_time;
  std::string event_type; // RECHARGE.SUCCESS | RECHARGE.CLOSED | RECHARGE.FUND_RETURNED | anything else, kept
  std::string resource_type;
  std::string summary;
  NotificationResource resource;
};

// Decrypted RECHARGE.FUND_RETURNED resource (充值资金退回通知).
struct FundReturned {
  std::string recharge_returned_id;
  std::string sp_mchid;
  std::string sub_mchid;
  std::string out_recharge_no;
  std::string recharge_id;
  Known<RechargeChannel> recharge_channel;
  std::optional<std::string> bank_name, bank_card_tail, bank_account_name, memo, return_reason, online_bank_type;
  std::optional<Amount> amount;
  std::optional<TimePoint> return_time;
  std::vector<UnreadField> unread; // as in MchDeposit
};

} // namespace recharged::wxpay
