#include "core/file.hpp"

#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace recharged;

TEST_CASE("a file is read whole, byte for byte") {
  test::TempDir dir;
  const std::string bytes = std::string("line\r\n\0\xFF tail", 13) + std::string(100'000, 'x');
  const auto path = dir.write("data.bin", bytes);
  auto read = read_file(path);
  REQUIRE(read.ok());
  CHECK(*read == bytes);
}

TEST_CASE("an empty file reads as an empty string") {
  test::TempDir dir;
  auto read = read_file(dir.write("empty", ""));
  REQUIRE(read.ok());
  CHECK(read->empty());
}

TEST_CASE("a missing file is an invalid-input error that names the path") {
  test::TempDir dir;
  auto read = read_file(dir / "absent.pem");
  REQUIRE_FALSE(read.ok());
  CHECK(read.error().kind == ErrorKind::invalid_input);
  CHECK(read.error().message.find("absent.pem") != std::string::npos);
}

TEST_CASE("a directory is not a readable file") {
  test::TempDir dir;
  auto read = read_file(dir.path());
  REQUIRE_FALSE(read.ok());
  CHECK(read.error().message.find(dir.path().string()) != std::string::npos);
}
