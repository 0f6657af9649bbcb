#pragma once

#include "core/error.hpp"

#include <cassert>
#include <type_traits>
#include <utility>
#include <variant>

namespace recharged {

// A value or an Error. A small stand-in for std::expected, which GCC 12 only offers in C++23 and
// clang 14 (our fuzzing and sanitizer compiler) cannot compile at all.
template <class T>
class [[nodiscard]] Result {
public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}

  [[nodiscard]] bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  T& value() & { assert(ok()); return std::get<0>(v_); }
  const T& value() const& { assert(ok()); return std::get<0>(v_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const& { assert(!ok()); return std::get<1>(v_); }
  Error&& error() && { assert(!ok()); return std::get<1>(std::move(v_)); }

  template <class U>
  T value_or(U&& fallback) const& { return ok() ? value() : static_cast<T>(std::forward<U>(fallback)); }

private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}

  [[nodiscard]] bool ok() const noexcept { return ok_; }
  explicit operator bool() const noexcept { return ok_; }
  const Error& error() const& { assert(!ok_); return error_; }
  Error&& error() && { assert(!ok_); return std::move(error_); }

private:
  Error error_;
  bool ok_ = true;
};

using Status = Result<void>;

} // namespace recharged

// Propagate an error from an expression yielding Result<T>; binds the value otherwise.
#define RECHARGED_TRY_CONCAT_(a, b) a##b
#define RECHARGED_TRY_NAME_(line) RECHARGED_TRY_CONCAT_(recharged_try_, line)
#define RECHARGED_TRY(decl, expr)                                                                            \
  auto RECHARGED_TRY_NAME_(__LINE__) = (expr);                                                               \
  if (!RECHARGED_TRY_NAME_(__LINE__)) return std::move(RECHARGED_TRY_NAME_(__LINE__)).error();              \
  decl = std::move(RECHARGED_TRY_NAME_(__LINE__)).value()
#define RECHARGED_CHECK(expr)                                                                                \
  do {                                                                                                       \
    auto recharged_check_ = (expr);                                                                          \
    if (!recharged_check_) return std::move(recharged_check_).error();                                       \
  } while (false)
