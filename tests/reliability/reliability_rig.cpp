#include "tests/reliability/reliability_rig.hpp"

#include <cstdio>
#include <cstdlib>
#include <random>
#include <stdexcept>

namespace recharged::test {

std::size_t env_count(const char* name, std::size_t fallback) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return fallback;
  char* end = nullptr;
  const unsigned long long n = std::strtoull(v, &end, 10);
  if (end == v || *end != '\0' || n == 0) throw std::runtime_error(std::string(name) + " must be a positive number");
  return static_cast<std::size_t>(n);
}

std::uint64_t reliability_seed() {
  if (const char* v = std::getenv("RECHARGED_RELIABILITY_SEED"); v != nullptr && *v != '\0')
    return std::strtoull(v, nullptr, 10);
  return (static_cast<std::uint64_t>(std::random_device{}()) << 32) ^ std::random_device{}();
}

std::string set_toml(std::string toml, std::string_view section, std::string_view key, std::string_view literal) {
  const std::string header = "[" + std::string(section) + "]\n";
  const std::string line = std::string(key) + " = " + std::string(literal) + "\n";
  std::size_t start = toml.find(header);
  if (start == std::string::npos) {
    if (!toml.empty() && toml.back() != '\n') toml += '\n';
    return toml + "\n" + header + line;
  }
  start += header.size();
  std::size_t end = toml.find("\n[", start);
  end = end == std::string::npos ? toml.size() : end + 1;
  const std::string prefix = std::string(key) + " = ";
  for (std::size_t pos = start; pos < end;) {
    const std::size_t eol = toml.find('\n', pos);
    const std::size_t next = eol == std::string::npos ? toml.size() : eol + 1;
    if (toml.compare(pos, prefix.size(), prefix) == 0) return toml.replace(pos, next - pos, line);
    pos = next;
  }
  return toml.insert(start, line); // first in its section: order does not matter in TOML
}

void write_edited_config(Rig& rig, const std::function<std::string(std::string)>& edit) {
  const auto path = rig.write_config();
  const auto perms = std::filesystem::status(path).permissions();
  rig.dir().write(path.filename().string(), edit(slurp(path)), perms);
}

std::unique_ptr<Process> start_cli(Rig& rig, std::vector<std::string> args) {
  if (rig.config_path().empty()) (void)rig.write_config();
  ProcessOptions o;
  o.args = {"-c", rig.config_path().string()};
  o.args.insert(o.args.end(), args.begin(), args.end());
  o.unset_env = {"NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "RECHARGED_CONFIG", "CREDENTIALS_DIRECTORY"};
  o.cwd = rig.dir().path();
  return std::make_unique<Process>(recharged_binary(), std::move(o));
}

void set_faults(Rig& rig, const std::vector<std::pair<std::string, std::string>>& settings) {
  sandbox::FaultConfig f;
  for (const auto& [k, v] : settings)
    if (auto ok = sandbox::set_fault(f, k, v); !ok) throw std::runtime_error(ok.error().message);
  rig.sandbox().sandbox().faults().set_config(f);
}

std::string order_number(std::string_view prefix, std::size_t i) {
  char digits[16];
  std::snprintf(digits, sizeof digits, "%06zu", i);
  return std::string(prefix) + digits;
}

} // namespace recharged::test
