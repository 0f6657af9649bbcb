#include "storage/idempotency_keys.hpp"

namespace recharged::storage {

Result<TimePoint> idempotency_key_time(const std::string& stored) {
  auto parsed = parse_rfc3339(stored);
  if (!parsed)
    return Error::make(ErrorKind::storage, "corrupt",
                       "The database holds an unreadable time '" + stored.substr(0, 64) + "' in api_idempotency_keys.");
  return *parsed;
}

} // namespace recharged::storage
