// Fuzz target: the sandbox platform's side of a request — Accept/User-Agent/Content-Type, the Authorization
// header (parsed and verified over method, raw target and body), Wechatpay-Serial, the apply body (read and
// checked like the platform checks it), the query/close order reference — then the order book itself (apply,
// query, close on a real sandbox::Platform in virtual time) and the answers written in a fuzzed AnswerShape,
// and the parsers behind the control API (fault settings and the payer mix). Some requests carry a valid
// Authorization so the body and the order book are reached.

#include "sandbox/apply_rules.hpp"
#include "sandbox/endpoints.hpp"
#include "sandbox/faults.hpp"
#include "sandbox/payer_model.hpp"
#include "sandbox/platform.hpp"
#include "sandbox/request_auth.hpp"
#include "sandbox/wire.hpp"
#include "tests/fuzz/fuzz_support.hpp"

#include <fuzzer/FuzzedDataProvider.h>

#include <memory>

using namespace recharged;

namespace {

constexpr std::uint64_t k_fresh_book_every = 4096;

// A fresh order book (and clock) every k_fresh_book_every runs: the book only grows, and time only advances.
struct Book {
  std::unique_ptr<ManualClock> clock;
  std::unique_ptr<sandbox::Platform> platform;
  std::uint64_t runs = 0;

  sandbox::Platform& fresh_if_due() {
    if (!platform || ++runs % k_fresh_book_every == 0) {
      platform.reset();
      clock = std::make_unique<ManualClock>(fuzz::fixture().now);
      sandbox::PlatformConfig c;
      c.sp_mchid = std::string(fuzz::k_sp_mchid);
      c.sub_mchids = {std::string(fuzz::k_sub_mchid), "1900000102"};
      c.payers = sandbox::Payers::manual;
      c.events = sandbox::EventQueue::drop;
      platform = std::make_unique<sandbox::Platform>(c, fuzz::fixture().calendar, *clock);
    }
    return *platform;
  }
};

Book& book() {
  static Book b;
  return b;
}

sandbox::MerchantIdentity merchant() {
  return sandbox::MerchantIdentity{std::string(fuzz::k_sp_mchid), std::string(fuzz::k_merchant_serial),
                                   fuzz::fixture().merchant_key.public_key()};
}

// The platform as the gate sees it: only its ids matter there (a Wechatpay-Serial must name one of them).
const sandbox::PlatformIdentity& platform_identity() {
  static const sandbox::PlatformIdentity p{std::string(fuzz::k_sp_mchid), std::string(fuzz::k_public_key_id),
                                           fuzz::fixture().platform_key, std::string(fuzz::k_apiv3_key), "", ""};
  return p;
}

enum class Route { apply, query, close, elsewhere };

struct Built {
  http::ServerRequest request;
  Route route = Route::elsewhere;
};

Built build(FuzzedDataProvider& in) {
  Built b;
  b.route = static_cast<Route>(in.ConsumeIntegralInRange<int>(0, 3));
  const std::string no = in.ConsumeRandomLengthString(80);
  const std::string sub = in.ConsumeRandomLengthString(40);
  http::ServerRequest& r = b.request;
  switch (b.route) {
  case Route::apply: r.method = http::Method::post; r.target = std::string(sandbox::k_apply_route); break;
  case Route::query: r.target = std::string(sandbox::k_order_route_prefix) + no + "?sub_mchid=" + sub; break;
  case Route::close:
    r.method = http::Method::post;
    r.target = std::string(sandbox::k_order_route_prefix) + no + "/close?sub_mchid=" + sub;
    break;
  case Route::elsewhere:
    r.method = in.ConsumeBool() ? http::Method::post : http::Method::get;
    r.target = in.ConsumeRandomLengthString(200);
    break;
  }
  r.path_params = {no};
  r.query = {{"sub_mchid", sub}};
  if (in.ConsumeBool()) r.headers.set("Accept", "application/json");
  if (in.ConsumeBool()) r.headers.set("User-Agent", "recharged-fuzz/1.0");
  if (in.ConsumeBool()) r.headers.set("Content-Type", in.ConsumeBool() ? std::string("application/json; charset=utf-8")
                                                                       : in.ConsumeRandomLengthString(40));
  if (in.ConsumeBool()) r.headers.set("Wechatpay-Serial", in.ConsumeBool() ? std::string(fuzz::k_public_key_id)
                                                                           : in.ConsumeRandomLengthString(64));
  const bool valid_auth = in.ConsumeBool();
  const auto skew = in.ConsumeIntegralInRange<std::int64_t>(-400, 400);
  const std::string auth = in.ConsumeRandomLengthString(400);
  r.body = in.ConsumeRemainingBytesAsString();
  if (valid_auth) {
    const auto& f = fuzz::fixture();
    auto signed_auth = f.signer().authorization(r.method, r.target, r.body, unix_seconds(f.now) + skew, "fuzznonce");
    if (signed_auth) r.headers.set("Authorization", *signed_auth);
  } else {
    r.headers.set("Authorization", auth);
  }
  return b;
}

// Every shape switch from one byte, and the older enum spellings now and then.
sandbox::AnswerShape shape_from(std::uint8_t bits) {
  sandbox::AnswerShape s;
  s.omit_optional = (bits & 1) != 0;
  s.extra_fields = (bits & 2) != 0;
  s.null_fields = (bits & 4) != 0;
  s.odd_times = (bits & 8) != 0;
  s.close_time_on_success = (bits & 16) != 0;
  if ((bits & 32) != 0) s.account_type_as = "BASIC";
  if ((bits & 64) != 0) s.recharge_scene_as = "NORMAL_BANK_TRANSFER";
  if ((bits & 128) != 0) s.omit = {"recharge_amount.amount", "success_time"};
  return s;
}

void serve(const Built& b, std::uint8_t shape_bits) {
  sandbox::Platform& platform = book().fresh_if_due();
  const http::ServerRequest& r = b.request;
  std::string why;
  (void)sandbox::read_authorization(r.headers.get("Authorization").value_or(""), why);
  if (sandbox::check_request(r, merchant(), platform_identity(), book().clock->now(), b.route == Route::close))
    return;
  const sandbox::AnswerShape shape = shape_from(shape_bits);
  if (b.route == Route::apply) {
    auto read = sandbox::read_apply_request(r.body);
    if (!read) {
      (void)sandbox::write_error(read.error().body);
      return;
    }
    (void)sandbox::check_apply(*read, platform.config().sub_mchids);
    if (auto applied = platform.apply(*read)) (void)sandbox::write_apply_response(*applied, shape);
    return;
  }
  if (b.route == Route::query || b.route == Route::close) {
    const std::string& sub = r.query.front().second;
    const std::string& no = r.path_params.front();
    (void)sandbox::check_order_ref(sub, no);
    auto answer = b.route == Route::query ? platform.query(sub, no) : platform.close(sub, no);
    if (answer) (void)sandbox::write_order(*answer, shape, std::string("remark"));
  }
}

// The control API's parsers: "key=value" fault settings and a payer mix.
void control(const std::string& text) {
  sandbox::FaultConfig faults;
  const auto eq = text.find('=');
  if (eq != std::string::npos) (void)sandbox::set_fault(faults, text.substr(0, eq), text.substr(eq + 1));
  if (auto mix = sandbox::parse_payer_mix(text)) (void)sandbox::format_payer_mix(*mix);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const std::string control_text = in.ConsumeRandomLengthString(200);
  control(control_text);
  const auto shape_bits = in.ConsumeIntegral<std::uint8_t>();
  const Built request = build(in);
  serve(request, shape_bits);
  book().clock->advance(Millis{static_cast<std::int64_t>(request.request.body.size()) * 1'000}); // settle, expire
  return 0;
}
