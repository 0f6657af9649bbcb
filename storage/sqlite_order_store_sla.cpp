// SqliteOrderStore::settlement_lag: orders whose payment could have landed but that nobody has looked at since.
#include "storage/sqlite_order_store.hpp"

#include "storage/sqlite_error.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

namespace recharged::storage {
namespace {

// Settlement windows from the seeds: QR within 3 minutes, bank transfer usually within 10 (interbank open).
constexpr const char* k_lag_sql = R"(
SELECT
  COALESCE(SUM(CASE WHEN (channels = '' OR channels LIKE '%QR_RECHARGE%' OR channels LIKE '%ONLINE_BANK%')
                     AND applied_at <= strftime('%Y-%m-%dT%H:%M:%fZ', :now, '-3 minutes')
                     AND (last_poll_at IS NULL
                          OR last_poll_at < strftime('%Y-%m-%dT%H:%M:%fZ', applied_at, '+3 minutes'))
                    THEN 1 ELSE 0 END), 0),
  COALESCE(SUM(CASE WHEN :interbank_open = 1
                     AND (channels = '' OR channels LIKE '%BANK_TRANSFER%')
                     AND applied_at <= strftime('%Y-%m-%dT%H:%M:%fZ', :now, '-10 minutes')
                     AND (last_poll_at IS NULL
                          OR last_poll_at < strftime('%Y-%m-%dT%H:%M:%fZ', applied_at, '+10 minutes'))
                    THEN 1 ELSE 0 END), 0)
FROM orders
WHERE state = 'RECHARGING' AND applied_at IS NOT NULL
)";

} // namespace

Result<SettlementLag> SqliteOrderStore::settlement_lag(TimePoint now, bool interbank_open) {
  std::lock_guard lock(mu_);
  return guarded("count orders past their settlement window", db_.path(), [&]() -> Result<SettlementLag> {
    SQLite::Statement query(db_.native(), k_lag_sql);
    query.bind(":now", format_utc(now));
    query.bind(":interbank_open", interbank_open ? 1 : 0);
    SettlementLag lag;
    if (query.executeStep()) {
      lag.qr = query.getColumn(0).getInt64();
      lag.bank_transfer = query.getColumn(1).getInt64();
    }
    return lag;
  });
}

} // namespace recharged::storage
