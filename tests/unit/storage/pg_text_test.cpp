// The PostgreSQL backend's pure conversions: SQLSTATE codes, redacted URLs, timestamptz text.
#include "storage/pg_text.hpp"

#include <doctest/doctest.h>

using namespace recharged::storage::pg;

TEST_CASE("SQLSTATEs map to the storage codes of the SQLite backend where the meaning is the same") {
  for (const char* s : {"23505", "23514", "23503", "23502", "P0001"}) CHECK_MESSAGE(error_code_for_sqlstate(s) == "constraint", s);
  for (const char* s : {"40001", "40P01", "55P03"}) CHECK_MESSAGE(error_code_for_sqlstate(s) == "busy", s);
  for (const char* s : {"08000", "08006", "08001", "57P01", "57P02", "57P03"})
    CHECK_MESSAGE(error_code_for_sqlstate(s) == "unavailable", s);
  CHECK(error_code_for_sqlstate("53100") == "full");
  CHECK(error_code_for_sqlstate("25006") == "readonly");
  for (const char* s : {"42601", "42P01", "53200", "57014", "P0002", ""})
    CHECK_MESSAGE(error_code_for_sqlstate(s) == "postgres", s);
}

TEST_CASE("redact_url hides the password of a URI or a key=value string and nothing else") {
  CHECK(redact_url("postgresql://app:pw@db.example:5432/recharged?sslmode=verify-full") ==
        "postgresql://app:***@db.example:5432/recharged?sslmode=verify-full");
  CHECK(redact_url("postgres://app:p%40ss@db/x") == "postgres://app:***@db/x");
  CHECK(redact_url("postgresql://app@db/x?password=pw&sslmode=require") ==
        "postgresql://app@db/x?password=***&sslmode=require");
  CHECK(redact_url("postgresql://app@db/x") == "postgresql://app@db/x");
  CHECK(redact_url("postgresql://recharged_test@/t1?host=/tmp/recharged-pg-Ab1") ==
        "postgresql://recharged_test@/t1?host=/tmp/recharged-pg-Ab1");
  CHECK(redact_url("host=db user=app password=pw dbname=x") == "host=db user=app password=*** dbname=x");
  CHECK(redact_url("host=db password = 'p w\\'x' dbname=x") == "host=db password = *** dbname=x");
  CHECK(redact_url("host=db dbname=mypassword") == "host=db dbname=mypassword");
}

TEST_CASE("a timestamptz in PostgreSQL's ISO output becomes format_utc text, whatever its precision and offset") {
  CHECK(utc_text_of_timestamptz("2026-11-23 02:00:00+00") == "2026-11-23T02:00:00.000Z");
  CHECK(utc_text_of_timestamptz("2026-11-23 02:00:00.1+00") == "2026-11-23T02:00:00.100Z");
  CHECK(utc_text_of_timestamptz("2026-11-23 02:00:00.12+00") == "2026-11-23T02:00:00.120Z");
  CHECK(utc_text_of_timestamptz("2026-11-23 02:00:00.123+00") == "2026-11-23T02:00:00.123Z");
  CHECK(utc_text_of_timestamptz("2026-11-23 02:00:00.1239+00") == "2026-11-23T02:00:00.123Z");
  CHECK(utc_text_of_timestamptz("2026-11-23 02:00:00.123999+00") == "2026-11-23T02:00:00.123Z"); // truncated
  CHECK(utc_text_of_timestamptz("2026-11-23 10:00:00.5+08") == "2026-11-23T02:00:00.500Z");
  CHECK(utc_text_of_timestamptz("2026-11-23 07:30:00-05:30") == "2026-11-23T13:00:00.000Z");
  CHECK(utc_text_of_timestamptz("2026-01-01 00:00:00+00") == "2026-01-01T00:00:00.000Z");
  for (const char* kept : {"infinity", "-infinity", "2026-11-23 02:00:00+00 BC", "2026-11-23 02:00:00+05:53:28", ""})
    CHECK_MESSAGE(utc_text_of_timestamptz(kept) == kept, kept);
}
