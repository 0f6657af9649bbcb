// Fuzz target: the TOML config loader. Any text must give a Config or an Error naming the key — never a crash,
// a hang or an escaping exception — and a Config it accepts must also be accepted, or refused with an Error,
// by what reads it next: the [schedule] policy and the secret sources.

#include "config/config.hpp"
#include "engine/policy_planner.hpp"
#include "tests/fuzz/fuzz_support.hpp"

#include <string_view>

using namespace recharged;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto config = config::parse(text, "/nonexistent/recharged-fuzz/recharged.toml");
  if (!config) {
    if (config.error().message.empty()) __builtin_trap(); // every refusal says why
    return 0;
  }
  {
    const auto policy = engine::make_policy_planner(config->schedule, fuzz::fixture().calendar);
    const orders::Order order = fuzz::canonical_order(orders::OrderState::recharging);
    (void)policy->next(order, fuzz::fixture().now);
    (void)policy->close_deadline(order);
  }
  (void)config->merchant.private_key_file.resolve();
  (void)config->merchant.apiv3_key_file.resolve();
  return 0;
}
