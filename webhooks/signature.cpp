#include "webhooks/signature.hpp"

#include "crypto/base64.hpp"
#include "crypto/hmac.hpp"
#include "crypto/random.hpp"

#include <cstdlib>

namespace recharged::webhooks {
namespace {

constexpr std::string_view k_prefix = "whsec_";
constexpr std::size_t k_min_key = 24;
constexpr std::size_t k_max_key = 64;

std::string signed_content(std::string_view id, std::string_view timestamp, std::string_view body) {
  std::string s;
  s.reserve(id.size() + timestamp.size() + body.size() + 2);
  s.append(id).append(".").append(timestamp).append(".").append(body);
  return s;
}

} // namespace

Result<Secret> Secret::parse(std::string_view text, const std::string& field) {
  if (!text.starts_with(k_prefix))
    return Error::invalid(field, "The " + field + " must be a Standard Webhooks secret: whsec_ followed by Base64 "
                                                  "(generate one with `recharged webhooks secret`).");
  auto key = crypto::base64_decode(text.substr(k_prefix.size()));
  if (!key || key->size() < k_min_key || key->size() > k_max_key)
    return Error::invalid(field, "The " + field + " must be whsec_ followed by the Base64 of 24 to 64 random bytes.");
  return Secret(std::move(*key));
}

std::string Secret::generate() { return std::string(k_prefix) + crypto::base64_encode(crypto::random_bytes(32)); }

SignedHeaders sign(std::string_view id, std::int64_t unix_seconds, std::string_view body,
                   const std::vector<Secret>& secrets) {
  SignedHeaders h{std::string(id), std::to_string(unix_seconds), {}};
  const std::string content = signed_content(id, h.timestamp, body);
  for (const Secret& s : secrets) {
    if (!h.signature.empty()) h.signature += ' ';
    h.signature += "v1," + crypto::base64_encode(crypto::hmac_sha256(s.key(), content));
  }
  return h;
}

bool verify(const Secret& secret, std::string_view id, std::string_view timestamp, std::string_view body,
            std::string_view signature_header, std::int64_t now_unix, std::int64_t tolerance_seconds) {
  if (timestamp.empty() || timestamp.find_first_not_of("0123456789") != std::string_view::npos || timestamp.size() > 12)
    return false;
  const std::int64_t ts = std::strtoll(std::string(timestamp).c_str(), nullptr, 10);
  if (ts < now_unix - tolerance_seconds || ts > now_unix + tolerance_seconds) return false;
  const std::string expected = crypto::base64_encode(crypto::hmac_sha256(secret.key(), signed_content(id, timestamp, body)));
  bool ok = false;
  std::size_t start = 0;
  while (start <= signature_header.size()) {
    const std::size_t end = std::min(signature_header.find(' ', start), signature_header.size());
    const std::string_view one = signature_header.substr(start, end - start);
    if (one.starts_with("v1,")) ok = crypto::equal_in_constant_time(one.substr(3), expected) || ok;
    start = end + 1;
  }
  return ok;
}

} // namespace recharged::webhooks
