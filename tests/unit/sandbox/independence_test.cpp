// The sandbox judges the client; it must not share the client's reading of the protocol (docs/PROTOCOL.md).

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

TEST_CASE("the sandbox includes nothing from the client library and names none of its types") {
  namespace fs = std::filesystem;
  std::size_t files = 0;
  for (const auto& entry : fs::directory_iterator(fs::path(RECHARGED_SOURCE_DIR) / "sandbox")) {
    const auto ext = entry.path().extension();
    if (ext != ".cpp" && ext != ".hpp" && entry.path().filename() != "CMakeLists.txt") continue;
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    const std::string s = text.str();
    CAPTURE(entry.path().string());
    CHECK(s.find("wxpay/") == std::string::npos);
    CHECK(s.find("wxpay::") == std::string::npos);
    CHECK(s.find("recharged_wxpay") == std::string::npos);
    ++files;
  }
  CHECK(files > 20);
}
