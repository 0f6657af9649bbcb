#include "api/tokens.hpp"

#include <doctest/doctest.h>

using namespace recharged;
using namespace recharged::api;

namespace {

const std::string k_writer(40, 'w');
const std::string k_reader(64, 'r');

Tokens sample() {
  return Tokens::parse("# the back office\nwrite " + k_writer + " backoffice\n\n  read " + k_reader + "\r\n",
                       "/run/credentials/recharged.service/api-tokens")
      .value();
}

} // namespace

TEST_CASE("a bearer token is recognised with its scope and name; anything else is not") {
  const Tokens t = sample();
  CHECK(t.size() == 2);
  const auto writer = t.authenticate("Bearer " + k_writer);
  REQUIRE(writer);
  CHECK(writer->scope == Scope::write);
  CHECK(writer->name == "backoffice");
  const auto reader = t.authenticate("Bearer " + k_reader);
  REQUIRE(reader);
  CHECK(reader->scope == Scope::read);
  CHECK(reader->name == "token 2");
  CHECK_FALSE(t.authenticate(""));
  CHECK_FALSE(t.authenticate(k_writer));                    // no scheme
  CHECK_FALSE(t.authenticate("bearer " + k_writer));        // the scheme as written in RFC 6750
  CHECK_FALSE(t.authenticate("Bearer " + k_writer + "x"));
  CHECK_FALSE(t.authenticate("Bearer " + k_writer.substr(1)));
  CHECK_FALSE(t.authenticate("Basic dXNlcjpwYXNz"));
}

TEST_CASE("a token file with a bad line is refused naming the line and never the token") {
  const std::pair<std::string, std::string> cases[] = {
      {"admin " + k_writer + "\n", "line 1"},
      {"write short\n", "line 1"},
      {"read " + k_reader + "\nwrite " + k_writer + " name extra\n", "line 2"},
      {"# nothing but comments\n\n", "holds no token"},
  };
  for (const auto& [text, says] : cases) {
    auto t = Tokens::parse(text, "tokens");
    REQUIRE_FALSE(t.ok());
    CHECK(t.error().field == "api.tokens_file");
    CHECK_MESSAGE(t.error().message.find(says) != std::string::npos, t.error().message);
    CHECK(t.error().message.find(k_writer) == std::string::npos);
    CHECK(t.error().message.find(k_reader) == std::string::npos);
  }
}
