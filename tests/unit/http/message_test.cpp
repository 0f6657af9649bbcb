#include "http/message.hpp"

#include <doctest/doctest.h>

using namespace recharged::http;

TEST_CASE("header names compare without regard to case") {
  Headers h;
  h.add("Wechatpay-Serial", "PUB_KEY_ID_1");
  CHECK(h.get("wechatpay-serial") == "PUB_KEY_ID_1");
  CHECK(h.get("WECHATPAY-SERIAL") == "PUB_KEY_ID_1");
  CHECK_FALSE(h.get("Wechatpay-Serial2").has_value());
  CHECK(iequals("Request-ID", "request-id"));
  CHECK_FALSE(iequals("Request-ID", "Request-IDs"));
  CHECK_FALSE(iequals("a", "b"));
}

TEST_CASE("get returns the first of repeated headers and add keeps every one in order") {
  Headers h;
  h.add("X-A", "1");
  h.add("x-a", "2");
  h.add("X-B", "3");
  CHECK(h.get("X-A") == "1");
  REQUIRE(h.all().size() == 3);
  CHECK(h.all()[1].second == "2");
  CHECK(h.all()[2].first == "X-B");
}

TEST_CASE("set replaces every field of that name, whatever its case") {
  Headers h;
  h.add("content-type", "text/plain");
  h.add("CONTENT-TYPE", "text/html");
  h.add("Accept", "application/json");
  h.set("Content-Type", "application/json");
  REQUIRE(h.all().size() == 2);
  CHECK(h.get("content-type") == "application/json");
  CHECK(h.get("Accept") == "application/json");
}

TEST_CASE("an empty header value is present, not absent") {
  Headers h;
  h.add("Wechatpay-Signature", "");
  REQUIRE(h.get("Wechatpay-Signature").has_value());
  CHECK(h.get("Wechatpay-Signature")->empty());
}

TEST_CASE("url_encode leaves RFC 3986 unreserved characters and percent-encodes the rest in upper case") {
  CHECK(url_encode("cz202407181234") == "cz202407181234");
  CHECK(url_encode("AZaz09-._~") == "AZaz09-._~");
  CHECK(url_encode("a b/c?d=e&f+g%") == "a%20b%2Fc%3Fd%3De%26f%2Bg%25");
  CHECK(url_encode("充") == "%E5%85%85");
  CHECK(url_encode(std::string("\0\xFF", 2)) == "%00%FF");
  CHECK(url_encode("").empty());
}

TEST_CASE("methods print in upper case as they go on the wire and into signatures") {
  CHECK(to_string(Method::get) == "GET");
  CHECK(to_string(Method::post) == "POST");
}

TEST_CASE("url_decode undoes url_encode, keeps stray percent signs and reads '+' as a space only in queries") {
  CHECK(url_decode("a%20b%2Fc%3Fd%3De%26f%2Bg%25") == "a b/c?d=e&f+g%");
  CHECK(url_decode("%E5%85%85%e5%85%85") == "充充");
  CHECK(url_decode("100%") == "100%");
  CHECK(url_decode("%4") == "%4");
  CHECK(url_decode("%zz1") == "%zz1");
  CHECK(url_decode("a+b") == "a+b");
  CHECK(url_decode("a+b", PlusSign::space) == "a b");
  CHECK(url_decode("%00", PlusSign::space) == std::string("\0", 1));
}
