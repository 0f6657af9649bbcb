#pragma once

#include "storage/migrations.hpp"

#include <span>

namespace recharged::storage::pg {

// The PostgreSQL schema, embedded at build time from migrations/postgresql/NNNN_name.sql and numbered on its
// own (its version 1 is the end state of the SQLite migrations 1-5). Checked with storage::validate_sequence.
[[nodiscard]] std::span<const Migration> embedded_migrations() noexcept;

} // namespace recharged::storage::pg
