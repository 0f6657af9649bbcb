#include "wxpay/enums.hpp"

#include <array>
#include <utility>

namespace recharged::wxpay {
namespace {

template <class E, std::size_t N>
std::optional<E> lookup(const std::array<std::pair<E, std::string_view>, N>& table, std::string_view text) noexcept {
  for (const auto& [v, name] : table)
    if (name == text) return v;
  return std::nullopt;
}

template <class E, std::size_t N>
std::string_view name_of(const std::array<std::pair<E, std::string_view>, N>& table, E v) noexcept {
  for (const auto& [k, name] : table)
    if (k == v) return name;
  return "UNKNOWN";
}

constexpr std::array<std::pair<RechargeScene, std::string_view>, 2> k_scenes{
    {{RechargeScene::ecommerce_deposit, "ECOMMERCE_DEPOSIT"}, {RechargeScene::ecommerce_payment, "ECOMMERCE_PAYMENT"}}};
constexpr std::array<std::pair<AccountType, std::string_view>, 2> k_accounts{
    {{AccountType::deposit, "DEPOSIT"}, {AccountType::operation, "OPERATION"}}};
constexpr std::array<std::pair<RechargeChannel, std::string_view>, 3> k_channels{
    {{RechargeChannel::bank_transfer, "BANK_TRANSFER"},
     {RechargeChannel::qr_recharge, "QR_RECHARGE"},
     {RechargeChannel::online_bank, "ONLINE_BANK"}}};
constexpr std::array<std::pair<RechargeState, std::string_view>, 3> k_states{
    {{RechargeState::success, "SUCCESS"}, {RechargeState::recharging, "RECHARGING"}, {RechargeState::closed, "CLOSED"}}};

} // namespace

std::string_view to_string(RechargeScene v) noexcept { return name_of(k_scenes, v); }
std::string_view to_string(AccountType v) noexcept { return name_of(k_accounts, v); }
std::string_view to_string(RechargeChannel v) noexcept { return name_of(k_channels, v); }
std::string_view to_string(RechargeState v) noexcept { return name_of(k_states, v); }

template <>
std::optional<RechargeScene> parse<RechargeScene>(std::string_view t) noexcept { return lookup(k_scenes, t); }
template <>
std::optional<AccountType> parse<AccountType>(std::string_view t) noexcept { return lookup(k_accounts, t); }
template <>
std::optional<RechargeChannel> parse<RechargeChannel>(std::string_view t) noexcept { return lookup(k_channels, t); }
template <>
std::optional<RechargeState> parse<RechargeState>(std::string_view t) noexcept { return lookup(k_states, t); }

} // namespace recharged::wxpay
