#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace recharged::wxpay {

// Platform enumerations. Each has an `unknown` member: a value the platform sends that this build does not
// know is kept verbatim in Known<E>::text and never causes a failure.
enum class RechargeScene { ecommerce_deposit, ecommerce_payment, unknown };
enum class AccountType { deposit, operation, unknown };
enum class RechargeChannel { bank_transfer, qr_recharge, online_bank, unknown };
enum class RechargeState { success, recharging, closed, unknown };

[[nodiscard]] std::string_view to_string(RechargeScene v) noexcept;
[[nodiscard]] std::string_view to_string(AccountType v) noexcept;
[[nodiscard]] std::string_view to_string(RechargeChannel v) noexcept;
[[nodiscard]] std::string_view to_string(RechargeState v) noexcept;

// Exact, case-sensitive parsing of the platform's spelling ("BANK_TRANSFER"); nullopt for anything else.
template <class E>
[[nodiscard]] std::optional<E> parse(std::string_view text) noexcept;

// A platform enum value as received: `value` is `unknown` when `text` is not a known spelling.
template <class E>
struct Known {
  E value = E::unknown;
  std::string text;

  Known() = default;
  Known(E v) : value(v), text(to_string(v)) {}
  static Known from_text(std::string t) {
    Known k;
    k.value = parse<E>(t).value_or(E::unknown);
    k.text = std::move(t);
    return k;
  }
  [[nodiscard]] bool known() const noexcept { return value != E::unknown; }
  friend bool operator==(const Known& a, const Known& b) { return a.text == b.text; }
};

} // namespace recharged::wxpay
