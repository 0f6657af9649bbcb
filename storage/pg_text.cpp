#include "storage/pg_text.hpp"

#include "core/time.hpp"

namespace recharged::storage::pg {

std::string_view error_code_for_sqlstate(std::string_view s) noexcept {
  if (s.starts_with("23") || s == "P0001") return "constraint";
  if (s == "40001" || s == "40P01" || s == "55P03") return "busy";
  if (s.starts_with("08") || s == "57P01" || s == "57P02" || s == "57P03") return "unavailable";
  if (s == "53100") return "full";
  if (s == "25006") return "readonly";
  return "postgres";
}

namespace {

// Replaces the value that follows each `key=` in a query string or key=value list, up to `end_chars`.
void redact_parameter(std::string& text, std::string_view key, std::string_view end_chars) {
  std::size_t from = 0;
  while ((from = text.find(key, from)) != std::string::npos) {
    const bool starts_word = from == 0 || text[from - 1] == '?' || text[from - 1] == '&' || text[from - 1] == ' ';
    std::size_t value = from + key.size();
    while (value < text.size() && text[value] == ' ') ++value;
    if (!starts_word || value >= text.size() || text[value] != '=') {
      from += key.size();
      continue;
    }
    ++value;
    while (value < text.size() && text[value] == ' ') ++value;
    std::size_t end = value;
    if (end < text.size() && text[end] == '\'') { // key='quoted value' in a key=value string
      ++end;
      while (end < text.size() && text[end] != '\'') end += text[end] == '\\' ? 2 : 1;
      end = std::min(end + 1, text.size());
    } else {
      while (end < text.size() && end_chars.find(text[end]) == std::string_view::npos) ++end;
    }
    text.replace(value, end - value, "***");
    from = value + 3;
  }
}

} // namespace

std::string redact_url(std::string_view url) {
  std::string out(url);
  for (std::string_view scheme : {"postgresql://", "postgres://"}) {
    if (!out.starts_with(scheme)) continue;
    const std::size_t authority = scheme.size();
    const std::size_t authority_end = std::min(out.find_first_of("/?", authority), out.size());
    const std::size_t at = out.rfind('@', authority_end == out.size() ? std::string::npos : authority_end);
    if (at != std::string::npos && at >= authority) {
      const std::size_t colon = out.find(':', authority);
      if (colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, "***");
    }
    redact_parameter(out, "password", "&#");
    return out;
  }
  redact_parameter(out, "password", " \t\n");
  return out;
}

std::string utc_text_of_timestamptz(std::string_view text) {
  // 'YYYY-MM-DD HH:MM:SS' then an optional fraction, then the offset: +HH or +HH:MM.
  if (text.size() < 22 || text[10] != ' ') return std::string(text);
  const std::size_t sign = text.find_first_of("+-", 19);
  if (sign == std::string_view::npos) return std::string(text);
  std::string rfc(text);
  rfc[10] = 'T';
  const std::size_t offset_length = text.size() - sign;
  if (offset_length == 3) rfc += ":00";
  else if (offset_length != 6) return std::string(text);
  auto parsed = parse_rfc3339(rfc);
  return parsed ? format_utc(*parsed) : std::string(text);
}

} // namespace recharged::storage::pg
