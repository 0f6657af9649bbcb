#pragma once

#include "core/result.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace recharged {

// Money is always an integer number of fen (1 yuan = 100 fen) in an int64.
using Fen = std::int64_t;

// Parses an amount a person typed, without ambiguity: "500.00", "0.5", "500yuan", "500元" are yuan;
// "50000fen" and "50000分" are fen. A bare integer such as "500" is refused, because it could be either.
// Refuses more than two decimals, signs, zero and anything above 10^15 fen.
[[nodiscard]] Result<Fen> parse_amount(std::string_view text, std::string_view field = "amount");

// "5000.00" for 500000 fen; negative amounts keep their sign.
[[nodiscard]] std::string format_yuan(Fen fen);

} // namespace recharged
