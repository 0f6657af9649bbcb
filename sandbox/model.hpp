#pragma once

#include "core/money.hpp"
#include "core/time.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

// The simulated platform's own model of the recharge API, written from the reference pages (docs/PROTOCOL.md)
// and shared with nothing in the client library: the sandbox judges the client by its own reading of the
// pages, so a mistake in the client's reading is not repeated here.
namespace recharged::sandbox {

// The enumerations the current pages list. The platform's order book only ever holds these; the older
// spellings (is_legacy_… below) exist only on the wire, when an answer is asked to use them.
enum class RechargeScene { ecommerce_deposit, ecommerce_payment };
enum class AccountType { deposit, operation };
enum class RechargeChannel { bank_transfer, qr_recharge, online_bank };
enum class RechargeState { recharging, success, closed };

[[nodiscard]] std::string_view to_string(RechargeScene v) noexcept;
[[nodiscard]] std::string_view to_string(AccountType v) noexcept;
[[nodiscard]] std::string_view to_string(RechargeChannel v) noexcept;
[[nodiscard]] std::string_view to_string(RechargeState v) noexcept;

// Exact, case-sensitive spellings; nullopt for anything else.
[[nodiscard]] std::optional<RechargeScene> parse_scene(std::string_view text) noexcept;
[[nodiscard]] std::optional<AccountType> parse_account_type(std::string_view text) noexcept;
[[nodiscard]] std::optional<RechargeChannel> parse_channel(std::string_view text) noexcept;
[[nodiscard]] std::optional<RechargeState> parse_state(std::string_view text) noexcept;

// The account an order's scene pays into: 充值场景 ECOMMERCE_DEPOSIT (保证金) → DEPOSIT, ECOMMERCE_PAYMENT
// (运营资金) → OPERATION ("使用充值场景所支持的入账账户").
[[nodiscard]] AccountType account_for(RechargeScene scene) noexcept;

// Values an older version of the close page lists (account_type BASIC, FEES; recharge_scene
// ECOMMERCE_BANK_TRANSFER, NORMAL_BANK_TRANSFER), which the platform may still send.
[[nodiscard]] bool is_legacy_account_type(std::string_view text) noexcept;
[[nodiscard]] bool is_legacy_scene(std::string_view text) noexcept;

struct Amount {
  Fen amount = 0;               // 分
  std::string currency = "CNY"; // 仅支持CNY
  friend bool operator==(const Amount&, const Amount&) = default;
};

// The apply body (申请二级商户充值).
struct ApplyRequest {
  std::string sub_mchid;
  std::string out_recharge_no;
  RechargeScene recharge_scene = RechargeScene::ecommerce_deposit;
  AccountType account_type = AccountType::deposit;
  Amount recharge_amount;
  std::optional<std::string> notify_url;
  std::vector<RechargeChannel> available_recharge_channels; // empty: the field was absent (all channels)
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
  std::optional<std::string> employee_type; // ADMIN | STAFF | LEGAL_PERSON
};

struct OnlineBankRechargeInfo {
  std::optional<std::string> bill_no, return_reason, bank_name, online_bank_type, bank_card_tail, bank_account_name;
  std::optional<TimePoint> return_time;
};

// One order as the platform holds it (MchDeposit of the query and close pages).
struct MchDeposit {
  std::string sp_mchid;
  std::string sub_mchid;
  std::string recharge_id;
  std::string out_recharge_no;
  std::optional<RechargeChannel> recharge_channel; // only once SUCCESS
  AccountType account_type = AccountType::deposit;
  RechargeState recharge_state = RechargeState::recharging;
  RechargeScene recharge_scene = RechargeScene::ecommerce_deposit;
  std::optional<std::string> recharge_state_desc;
  Amount recharge_amount;
  std::optional<BankTransferInfo> bank_transfer_info;
  std::optional<QrRechargeInfo> qr_recharge_info;
  std::optional<OnlineBankRechargeInfo> online_bank_recharge_info;
  std::optional<TimePoint> accept_time;
  std::optional<TimePoint> success_time;
  std::optional<TimePoint> close_time;
  std::vector<RechargeChannel> available_recharge_channels;
};

// The RECHARGE.FUND_RETURNED resource (充值资金退回通知).
struct FundReturned {
  std::string recharge_returned_id;
  std::string sp_mchid;
  std::string sub_mchid;
  std::string out_recharge_no;
  std::string recharge_id;
  RechargeChannel recharge_channel = RechargeChannel::bank_transfer;
  std::optional<std::string> bank_name, bank_card_tail, bank_account_name, memo, online_bank_type;
  std::optional<std::string> return_reason;
  std::optional<Amount> amount;
  std::optional<TimePoint> return_time;
};

// {"code","message","detail":{"field","value","issue","location"}}: every non-2xx answer.
struct ErrorBody {
  std::string code;
  std::string message;
  std::optional<std::string> detail_field; // a JSON pointer for body fields, the name for path/query ones
  std::optional<std::string> detail_issue;
  std::string detail_location = "body";
};

} // namespace recharged::sandbox
