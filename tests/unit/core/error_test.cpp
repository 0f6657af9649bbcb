#include "core/error.hpp"

#include <doctest/doctest.h>

#include <set>
#include <string>

using namespace recharged;

TEST_CASE("every error kind has a distinct snake_case name") {
  const ErrorKind kinds[] = {ErrorKind::invalid_input, ErrorKind::permanent, ErrorKind::not_found,
                             ErrorKind::retryable,     ErrorKind::rate_limited, ErrorKind::ambiguous,
                             ErrorKind::storage,       ErrorKind::internal};
  std::set<std::string> names;
  for (auto k : kinds) names.insert(std::string(to_string(k)));
  CHECK(names.size() == std::size(kinds));
  CHECK(to_string(ErrorKind::rate_limited) == "rate_limited");
  CHECK(to_string(ErrorKind::not_found) == "not_found");
  CHECK(to_string(ErrorKind::invalid_input) == "invalid_input");
}

TEST_CASE("a validation error names its field and carries the code validation") {
  const Error e = Error::invalid("remark", "The remark is too long.");
  CHECK(e.kind == ErrorKind::invalid_input);
  CHECK(e.code == "validation");
  CHECK(e.field == "remark");
  CHECK(e.message == "The remark is too long.");
  CHECK(e.http_status == 0);
  CHECK(e.request_id.empty());
}

TEST_CASE("a made error keeps kind, code and message") {
  const Error e = Error::make(ErrorKind::rate_limited, "FREQUENCY_LIMITED", "Slow down.");
  CHECK(e.kind == ErrorKind::rate_limited);
  CHECK(e.code == "FREQUENCY_LIMITED");
  CHECK(e.message == "Slow down.");
  CHECK(e.field.empty());
}

TEST_CASE("only retryable, rate-limited and ambiguous errors invite another attempt") {
  CHECK(Error::make(ErrorKind::retryable, "x", "").retryable());
  CHECK(Error::make(ErrorKind::rate_limited, "x", "").retryable());
  CHECK(Error::make(ErrorKind::ambiguous, "x", "").retryable());
  CHECK_FALSE(Error::make(ErrorKind::permanent, "x", "").retryable());
  CHECK_FALSE(Error::make(ErrorKind::not_found, "x", "").retryable());
  CHECK_FALSE(Error::make(ErrorKind::invalid_input, "x", "").retryable());
  CHECK_FALSE(Error::make(ErrorKind::storage, "x", "").retryable());
  CHECK_FALSE(Error::make(ErrorKind::internal, "x", "").retryable());
}
