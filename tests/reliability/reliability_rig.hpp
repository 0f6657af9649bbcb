#pragma once

// Helpers the reliability tests add on top of the integration rig (tests/integration/rig.hpp): knobs read from
// the environment (so the same test runs short in CI and long by hand), config keys the rig does not render,
// `recharged` commands started in the background (to kill them mid-flight), and the sandbox's fault switch.

#include "tests/integration/rig.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace recharged::test {

// $name as a positive count, else `fallback` (a knob such as RECHARGED_CHAOS_KILLS).
[[nodiscard]] std::size_t env_count(const char* name, std::size_t fallback);
// $RECHARGED_RELIABILITY_SEED when set, else a fresh random seed. Tests print it: a failure names its seed.
[[nodiscard]] std::uint64_t reliability_seed();

// `toml` with `key = literal` set inside [section] (replaced when present, else added at the section's end;
// the section is added when missing). `literal` is TOML: "\"text\"", "12", "true".
[[nodiscard]] std::string set_toml(std::string toml, std::string_view section, std::string_view key,
                                   std::string_view literal);
// Writes the rig's config, then rewrites it through `edit` (for keys RigConfig does not have).
void write_edited_config(Rig& rig, const std::function<std::string(std::string)>& edit);

// `recharged -c <config> args…` started in the background, exactly as Rig::cli() runs it.
[[nodiscard]] std::unique_ptr<Process> start_cli(Rig& rig, std::vector<std::string> args);

// Replaces the sandbox's fault settings (names as sandbox::set_fault takes them; {} = no faults).
void set_faults(Rig& rig, const std::vector<std::pair<std::string, std::string>>& settings);

// "PREFIX000123": order numbers that sort by creation.
[[nodiscard]] std::string order_number(std::string_view prefix, std::size_t i);

} // namespace recharged::test
