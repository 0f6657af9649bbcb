#pragma once

#include "core/result.hpp"
#include "wxpay/models.hpp"

#include <string>
#include <string_view>

namespace recharged::wxpay {

// JSON for the three recharge endpoints and the notifications. Encoders omit absent optional fields (the
// platform forbids null) and produce compact UTF-8. Decoders accept unknown fields, keep unknown enum
// values as text, and fail with an Error naming the JSON field and the rule for anything malformed.

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
