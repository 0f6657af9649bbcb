#pragma once

#include "core/result.hpp"
#include "wxpay/models.hpp"

#include <string>
#include <string_view>

namespace recharged::wxpay {

// JSON for the three recharge endpoints and the notifications (docs/PROTOCOL.md). Encoders omit absent
// optional fields (the platform forbids null) and produce compact UTF-8. Decoders ignore unknown fields, read
// null as absent, keep unknown enum values as text, and fail with an Error naming the JSON field and the rule
// when a required field is missing or malformed. Platform answers (decode_mch_deposit, decode_fund_returned)
// are read leniently: an optional field that is present but unreadable (a time that is not RFC 3339, a wrong
// type) is kept in `unread` and the rest is used; an amount that is present must still be an int64 of fen.

[[nodiscard]] std::string encode(const ApplyRequest& v);
[[nodiscard]] std::string encode(const ApplyResponse& v);
[[nodiscard]] std::string encode(const MchDeposit& v);
[[nodiscard]] std::string encode(const ErrorBody& v);
[[nodiscard]] std::string encode(const Notification& v);
[[nodiscard]] std::string encode(const FundReturned& v);

[[nodiscard]] Result<ApplyRequest> decode_apply_request(std::string_view json);
[[nodiscard]] Result<ApplyResponse> decode_apply_response(std::string_view json);
[[nodiscard]] Result<MchDeposit> decode_mch_deposit(std::string_view json);
[[nodiscard]] Result<ErrorBody> decode_error_body(std::string_view json);
[[nodiscard]] Result<Notification> decode_notification(std::string_view json);
[[nodiscard]] Result<FundReturned> decode_fund_returned(std::string_view json);

} // namespace recharged::wxpay
