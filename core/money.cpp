#include "core/money.hpp"

#include "core/utf8.hpp"

namespace recharged {
namespace {

constexpr Fen k_max_fen = 1'000'000'000'000'000;

bool strip_suffix(std::string_view& s, std::string_view suffix) {
  if (!s.ends_with(suffix)) return false;
  s.remove_suffix(suffix.size());
  return true;
}

} // namespace

Result<Fen> parse_amount(std::string_view text, std::string_view field) {
  const std::string shown(text.substr(0, 40));
  auto bad = [&](std::string_view rule) {
    return Error::invalid(std::string(field), "The " + std::string(field) + " '" + shown + "' is invalid: " +
                                                  std::string(rule) + ".");
  };
  if (has_fullwidth_ascii(text))
    return bad("it is typed with full-width characters (as a Chinese input method writes ５００．００); type the digits "
               "and the decimal point in half-width ASCII: 500.00");
  std::string_view s = text;
  bool in_fen = false;
  bool in_yuan = false;
  if (strip_suffix(s, "fen") || strip_suffix(s, "分")) in_fen = true;
  else if (strip_suffix(s, "yuan") || strip_suffix(s, "元")) in_yuan = true;
  if (s.empty()) return bad("it has no digits");
  const auto dot = s.find('.');
  if (dot != std::string_view::npos) {
    if (in_fen) return bad("an amount in fen must be a whole number");
    in_yuan = true;
  }
  if (!in_fen && !in_yuan)
    return bad("write yuan with a decimal point (500.00) or fen with a unit (50000fen); a bare number is ambiguous");
  const std::string_view whole = s.substr(0, dot);
  const std::string_view frac = dot == std::string_view::npos ? std::string_view{} : s.substr(dot + 1);
  if (whole.empty()) return bad("it needs digits before the decimal point");
  if (dot != std::string_view::npos && (frac.empty() || frac.size() > 2))
    return bad("yuan take one or two decimals (fen is the smallest unit)");
  Fen value = 0;
  for (char c : whole) {
    if (c < '0' || c > '9') return bad("only digits and one decimal point are allowed");
    value = value * 10 + (c - '0');
    if (value > k_max_fen) return bad("it is far above any platform limit");
  }
  if (in_yuan) {
    Fen cents = 0;
    for (std::size_t i = 0; i < 2; ++i) {
      const char c = i < frac.size() ? frac[i] : '0';
      if (c < '0' || c > '9') return bad("only digits and one decimal point are allowed");
      cents = cents * 10 + (c - '0');
    }
    if (value > k_max_fen / 100) return bad("it is far above any platform limit");
    value = value * 100 + cents;
    if (value > k_max_fen) return bad("it is far above any platform limit");
  }
  if (value <= 0) return bad("it must be greater than zero");
  return value;
}

std::string format_yuan(Fen fen) {
  const bool negative = fen < 0;
  const auto abs = negative ? -static_cast<unsigned long long>(fen) : static_cast<unsigned long long>(fen);
  std::string cents = std::to_string(abs % 100);
  if (cents.size() < 2) cents.insert(0, "0");
  return (negative ? "-" : "") + std::to_string(abs / 100) + "." + cents;
}

} // namespace recharged
