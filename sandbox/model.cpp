#include "sandbox/model.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace recharged::sandbox {
namespace {

template <class E, std::size_t N>
using Names = std::array<std::pair<E, std::string_view>, N>;

constexpr Names<RechargeScene, 2> k_scene_names{
    {{RechargeScene::ecommerce_deposit, "ECOMMERCE_DEPOSIT"}, {RechargeScene::ecommerce_payment, "ECOMMERCE_PAYMENT"}}};
constexpr Names<AccountType, 2> k_account_names{{{AccountType::deposit, "DEPOSIT"}, {AccountType::operation, "OPERATION"}}};
constexpr Names<RechargeChannel, 3> k_channel_names{{{RechargeChannel::bank_transfer, "BANK_TRANSFER"},
                                                     {RechargeChannel::qr_recharge, "QR_RECHARGE"},
                                                     {RechargeChannel::online_bank, "ONLINE_BANK"}}};
constexpr Names<RechargeState, 3> k_state_names{{{RechargeState::recharging, "RECHARGING"},
                                                 {RechargeState::success, "SUCCESS"},
                                                 {RechargeState::closed, "CLOSED"}}};

template <class E, std::size_t N>
std::string_view name(const Names<E, N>& names, E v) noexcept {
  for (const auto& [value, text] : names)
    if (value == v) return text;
  return names.front().second;
}

template <class E, std::size_t N>
std::optional<E> value(const Names<E, N>& names, std::string_view t) noexcept {
  for (const auto& [v, text] : names)
    if (text == t) return v;
  return std::nullopt;
}

} // namespace

std::string_view to_string(RechargeScene v) noexcept { return name(k_scene_names, v); }
std::string_view to_string(AccountType v) noexcept { return name(k_account_names, v); }
std::string_view to_string(RechargeChannel v) noexcept { return name(k_channel_names, v); }
std::string_view to_string(RechargeState v) noexcept { return name(k_state_names, v); }

std::optional<RechargeScene> parse_scene(std::string_view t) noexcept { return value(k_scene_names, t); }
std::optional<AccountType> parse_account_type(std::string_view t) noexcept { return value(k_account_names, t); }
std::optional<RechargeChannel> parse_channel(std::string_view t) noexcept { return value(k_channel_names, t); }
std::optional<RechargeState> parse_state(std::string_view t) noexcept { return value(k_state_names, t); }

AccountType account_for(RechargeScene scene) noexcept {
  return scene == RechargeScene::ecommerce_deposit ? AccountType::deposit : AccountType::operation;
}

bool is_legacy_account_type(std::string_view t) noexcept { return t == "BASIC" || t == "FEES"; }
bool is_legacy_scene(std::string_view t) noexcept { return t == "ECOMMERCE_BANK_TRANSFER" || t == "NORMAL_BANK_TRANSFER"; }

} // namespace recharged::sandbox
