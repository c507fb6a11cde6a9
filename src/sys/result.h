// Errors as values: every fallible call across a module boundary returns Result<T> or Status.
#pragma once

#include <fmt/format.h>

#include <string>
#include <utility>
#include <variant>

namespace companion {

// What kind of failure an Error is, for callers that act on it (they match codes, never message
// text). Most errors need no finer code than kGeneric: they are shown, not handled.
enum class ErrorCode {
  kGeneric,
  kNotFound,       // the file, job or thread does not exist
  kBusy,           // another process holds what is needed (the store's write lock)
  kDiskFull,       // no space left to write
  kReadOnly,       // cannot write there
  kCorrupt,        // the data is unreadable
  kMissingTable,   // the store has no schema yet
  kUnknownMethod,  // the JSON-RPC peer does not know the method (an older Codex)
  kClosed,         // the peer or connection went away
  kTimeout,        // no answer in time
  kUnsafe,         // refused: it would write or run outside where it may (a path through a link)
};

// What went wrong, phrased for the user: what was being done and why it failed.
struct Error {
  std::string message;
  ErrorCode code = ErrorCode::kGeneric;
};

template <class... Args>
Error make_error(fmt::format_string<Args...> format, Args&&... args) {
  return Error{fmt::format(format, std::forward<Args>(args)...)};
}

template <class... Args>
Error make_coded_error(ErrorCode code, fmt::format_string<Args...> format, Args&&... args) {
  return Error{fmt::format(format, std::forward<Args>(args)...), code};
}

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// Result<void>.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error)
      : error_(std::move(error)), ok_(false) {}  // NOLINT(google-explicit-constructor)
  static Status success() { return {}; }

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return error_; }

 private:
  Error error_;
  bool ok_ = true;
};

}  // namespace companion

// Propagates an error out of the enclosing function returning Result<...> or Status.
#define COMPANION_TRY(expr)                             \
  do {                                                  \
    auto companion_try_ = (expr);                       \
    if (!companion_try_) return companion_try_.error(); \
  } while (0)
