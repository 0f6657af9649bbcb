#pragma once

#include <string_view>

namespace recharged::api {

// api/openapi.json, the OpenAPI 3.1 description of the order API, as built into the binary (GET /v1/openapi.json).
[[nodiscard]] std::string_view openapi_document() noexcept;

} // namespace recharged::api
