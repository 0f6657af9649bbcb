#pragma once

#include "core/time.hpp"
#include "sandbox/answer_shape.hpp"
#include "sandbox/model.hpp"
#include "sandbox/outcome.hpp"

#include <optional>
#include <string>
#include <string_view>

// The platform's JSON: what it reads from a merchant and what it writes back, as the pages describe it
// (docs/PROTOCOL.md). Output is compact UTF-8 with fields in the pages' order; absent optional fields are
// left out unless an AnswerShape asks otherwise.
namespace recharged::sandbox {

// Reads an apply body as the platform does: a JSON object without nulls ("不允许使用 null"), every required
// field present with its type, enum values from the current page. Anything else is 400 PARAM_ERROR with
// detail.field a JSON pointer ("/recharge_amount/amount"). Unknown fields are ignored. Lengths, charsets,
// limits and cross-field rules are apply_rules' job.
[[nodiscard]] Outcome<ApplyRequest> read_apply_request(std::string_view body);

// The order as a query or close answers it, or (with `remark`, the notification's extra field) as a
// RECHARGE.SUCCESS/CLOSED resource carries it.
[[nodiscard]] std::string write_order(const MchDeposit& order, const AnswerShape& shape = {},
                                      const std::optional<std::string>& remark = std::nullopt);
[[nodiscard]] std::string write_apply_response(const ApplyResponse& answer, const AnswerShape& shape = {});
[[nodiscard]] std::string write_fund_returned(const FundReturned& returned, const AnswerShape& shape = {});
[[nodiscard]] std::string write_error(const ErrorBody& error);

// The plaintext envelope of a notification; `resource` fields carry the sealed order.
struct NotificationEnvelope {
  std::string id;
  TimePoint create_time;
  std::string event_type;    // RECHARGE.SUCCESS | RECHARGE.CLOSED | RECHARGE.FUND_RETURNED
  std::string resource_type = "encrypt-resource";
  std::string summary;
  std::string original_type = "recharge";
  std::string algorithm = "AEAD_AES_256_GCM";
  std::string ciphertext;    // Base64 of ciphertext || 16-byte tag
  std::string associated_data;
  std::string nonce;         // 12 characters
};
[[nodiscard]] std::string write_notification(const NotificationEnvelope& envelope);

// A time as the platform writes it: RFC 3339 in Shanghai time, seconds precision ("2026-11-23T17:30:00+08:00").
[[nodiscard]] std::string platform_time(TimePoint t);

} // namespace recharged::sandbox
