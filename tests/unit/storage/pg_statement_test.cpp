// The PostgreSQL order store writes its SQL with the ":name" parameters the shared bindings set; pg::compile turns
// them into $n once, and NamedParams refuses a statement and a binding that have drifted apart.
#include "storage/pg_statement.hpp"
#include "tests/unit/storage/pg_fixture.hpp"

#include <doctest/doctest.h>

using namespace recharged;
using namespace recharged::test;
namespace pg = recharged::storage::pg;

TEST_CASE("named parameters become $n in order of first use; a repeated name keeps its number") {
  const auto s = pg::compile("UPDATE t SET a = :a, b = COALESCE(:b, b) WHERE id = :id AND (:a IS NULL OR a = :a)");
  CHECK(s.sql == "UPDATE t SET a = $1, b = COALESCE($2, b) WHERE id = $3 AND ($1 IS NULL OR a = $1)");
  CHECK(s.names == std::vector<std::string>{":a", ":b", ":id"});
}

TEST_CASE("casts, quoted text and a colon that starts no name are left alone") {
  const auto s = pg::compile("SELECT :when::timestamptz, ':not_a_name', interval '3 minutes', a::text, 'it''s :x' , :y");
  CHECK(s.sql == "SELECT $1::timestamptz, ':not_a_name', interval '3 minutes', a::text, 'it''s :x' , $2");
  CHECK(s.names == std::vector<std::string>{":when", ":y"});
}

TEST_CASE("a statement runs with its named values, and refuses a value it lacks or a name it does not have") {
  PgFixture f;
  const auto s = pg::compile("SELECT :a::integer + :b::integer, :c::text IS NULL");
  pg::NamedParams all(s);
  all.integer(":a", 40);
  all.integer(":b", 2);
  all.null(":c");
  const auto rows = all.exec(*f.conn);
  REQUIRE_MESSAGE(rows.ok(), (rows.ok() ? "" : rows.error().message));
  CHECK(rows->text(0, 0) == "42");
  CHECK(rows->integer(0, 1) == 1);

  pg::NamedParams missing(s);
  missing.integer(":a", 1);
  missing.null(":c");
  const auto unbound = missing.exec(*f.conn);
  REQUIRE_FALSE(unbound.ok());
  CHECK(unbound.error().code == "unbound_parameter");
  CHECK(unbound.error().message.find(":b") != std::string::npos);

  pg::NamedParams extra(s);
  extra.integer(":a", 1);
  extra.integer(":b", 1);
  extra.null(":c");
  extra.text(":d", "stray");
  const auto unknown = extra.exec(*f.conn);
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.error().code == "unknown_parameter");
  CHECK(unknown.error().message.find(":d") != std::string::npos);
}
