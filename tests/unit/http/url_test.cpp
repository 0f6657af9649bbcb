#include "http/url.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace recharged;
using namespace recharged::http;

TEST_CASE("the platform's https hosts parse, with and without port or trailing slash") {
  auto primary = parse_base_url("https://api.mch.weixin.qq.com", "wxpay.base_url");
  REQUIRE(primary.ok());
  CHECK(primary->scheme == "https");
  CHECK(primary->host == "api.mch.weixin.qq.com");
  CHECK(primary->port == 0);
  CHECK(primary->to_string() == "https://api.mch.weixin.qq.com");
  CHECK_FALSE(primary->is_loopback());
  auto backup = parse_base_url("https://api2.mch.weixin.qq.com:443/", "wxpay.backup_url");
  REQUIRE(backup.ok());
  CHECK(backup->host == "api2.mch.weixin.qq.com");
  CHECK(backup->port == 443);
  CHECK(backup->to_string() == "https://api2.mch.weixin.qq.com:443");
}

TEST_CASE("plain http is accepted for loopback addresses") {
  for (std::string text : {"http://127.0.0.1:8443", "http://127.1.2.3:1", "http://localhost:9000", "http://[::1]:8080",
                           "http://127.0.0.1"}) {
    CAPTURE(text);
    auto url = parse_base_url(text, "sandbox.url");
    REQUIRE(url.ok());
    CHECK(url->is_loopback());
    CHECK(url->to_string() == text);
  }
}

TEST_CASE("plain http to anything that is not loopback is refused, including names that start like loopback") {
  for (std::string text : {"http://api.mch.weixin.qq.com", "http://10.0.0.1:80", "http://127.evil.example.com",
                           "http://127.0.0.1.nip.io", "http://localhost.example.com", "http://1270.0.0.1",
                           "http://127.0.0.1.", "http://127.0.0:80", "http://[::1.evil]:80"}) {
    CAPTURE(text);
    auto url = parse_base_url(text, "wxpay.base_url");
    REQUIRE_FALSE(url.ok());
    CHECK(url.error().field == "wxpay.base_url");
    CHECK(url.error().kind == ErrorKind::invalid_input);
  }
  // https to such names is fine: the certificate is verified.
  CHECK(parse_base_url("https://127.evil.example.com", "x").ok());
}

TEST_CASE("base URLs with paths, queries, user info, other schemes or bad ports are refused with the rule") {
  for (std::string text : {"ftp://api.mch.weixin.qq.com", "api.mch.weixin.qq.com", "https://", "https:///",
                           "https://api.mch.weixin.qq.com/v3", "https://api.mch.weixin.qq.com?x=1",
                           "https://user@api.mch.weixin.qq.com", "https://api.mch.weixin.qq.com:70000",
                           "https://api.mch.weixin.qq.com:", "https://api.mch.weixin.qq.com:https",
                           "https://[::1", "https://[::1]x", "https://host name", "HTTPS://api.mch.weixin.qq.com"}) {
    CAPTURE(text);
    auto url = parse_base_url(text, "wxpay.base_url");
    REQUIRE_FALSE(url.ok());
    CHECK(url.error().message.find("wxpay.base_url") != std::string::npos);
  }
}

TEST_CASE("listen addresses split into host and port") {
  auto v4 = parse_listen_address("127.0.0.1:8480", "notify.listen");
  REQUIRE(v4.ok());
  CHECK(v4->host == "127.0.0.1");
  CHECK(v4->port == 8480);
  auto v6 = parse_listen_address("[::1]:8480", "notify.listen");
  REQUIRE(v6.ok());
  CHECK(v6->host == "::1");
  CHECK(v6->port == 8480);
  auto any = parse_listen_address("0.0.0.0:0", "notify.listen");
  REQUIRE(any.ok());
  CHECK(any->port == 0);
}

TEST_CASE("listen addresses without a host or a valid port are refused, naming the key") {
  for (std::string text : {"8480", ":8480", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:-1", "127.0.0.1:80x", ""}) {
    CAPTURE(text);
    auto r = parse_listen_address(text, "notify.listen");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().field == "notify.listen");
  }
}
