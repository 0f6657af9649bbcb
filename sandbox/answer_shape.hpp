#pragma once

#include <string>
#include <vector>

namespace recharged::sandbox {

// How one answer (a query/close order, or a notification resource) is written, among the shapes the pages
// allow the platform to send (docs/PROTOCOL.md, "What an answer may look like"). The default is the plain
// shape: every field the order has, nothing else.
struct AnswerShape {
  bool omit_optional = false;       // leave out every optional (选填) field, recharge_amount's members included
  std::vector<std::string> omit;    // leave out these optional fields ("recharge_amount.amount", "success_time")
  bool extra_fields = false;        // add fields the pages do not list, at the top and inside objects
  bool null_fields = false;         // write absent optional fields as null
  bool odd_times = false;           // write the optional times in a form that is not RFC 3339
  bool close_time_on_success = false; // add close_time to SUCCESS orders, as the official samples do
  std::string account_type_as;      // send this account_type instead (e.g. the older BASIC); "" = the order's
  std::string recharge_scene_as;    // send this recharge_scene instead (e.g. ECOMMERCE_BANK_TRANSFER)
};

// The optional fields an order answer has, by the dotted names AnswerShape::omit takes.
[[nodiscard]] const std::vector<std::string>& optional_order_fields();

} // namespace recharged::sandbox
