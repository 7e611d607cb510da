// Errors as values, after LevelDB's Status: a code and a message, free when OK.
//
// Every library returns a Status (or a Result<T>, a value or the Status saying why there is
// none) for failures that are expected in normal operation: a source that times out, a
// record that does not decode, a sink that is down. Exceptions stay at the edges, where a
// third-party call throws; they are caught there and turned into a Status.
//
// NotFound is not a failure of the store: a caller that reads "nothing there" must be sure
// nothing is there, so a read that failed says IOError or Corruption, never NotFound.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace freshd {

class [[nodiscard]] Status {
 public:
  enum class Code : std::uint8_t {
    kOk = 0,
    kNotFound,           // absent, and known to be absent
    kInvalidArgument,    // the caller's input is wrong (a bad pattern, a malformed request)
    kIOError,            // the disk or the network failed; trying again may work
    kCorruption,         // stored bytes that do not decode
    kUnavailable,        // a remote service refused or is down; trying again later may work
    kCancelled,          // stopped on request (shutdown)
    kResourceExhausted,  // a limit was reached (size, count, descriptors)
    kPermissionDenied    // refused for who we are: credentials, encryption
  };

  Status() = default;  // OK

  static Status OK() { return Status(); }
  static Status NotFound(std::string message) { return {Code::kNotFound, std::move(message)}; }
  static Status InvalidArgument(std::string message) {
    return {Code::kInvalidArgument, std::move(message)};
  }
  static Status IOError(std::string message) { return {Code::kIOError, std::move(message)}; }
  static Status Corruption(std::string message) { return {Code::kCorruption, std::move(message)}; }
  static Status Unavailable(std::string message) {
    return {Code::kUnavailable, std::move(message)};
  }
  static Status Cancelled(std::string message) { return {Code::kCancelled, std::move(message)}; }
  static Status ResourceExhausted(std::string message) {
    return {Code::kResourceExhausted, std::move(message)};
  }
  static Status PermissionDenied(std::string message) {
    return {Code::kPermissionDenied, std::move(message)};
  }

  bool ok() const { return code_ == Code::kOk; }
  bool IsNotFound() const { return code_ == Code::kNotFound; }
  bool IsInvalidArgument() const { return code_ == Code::kInvalidArgument; }
  bool IsIOError() const { return code_ == Code::kIOError; }
  bool IsCorruption() const { return code_ == Code::kCorruption; }
  bool IsUnavailable() const { return code_ == Code::kUnavailable; }
  bool IsCancelled() const { return code_ == Code::kCancelled; }
  bool IsResourceExhausted() const { return code_ == Code::kResourceExhausted; }
  bool IsPermissionDenied() const { return code_ == Code::kPermissionDenied; }

  Code code() const { return code_; }
  // The message alone, without the code's name ("" when OK).
  const std::string& message() const { return message_; }
  // "OK", or the code's name and the message: "IO error: disk full".
  std::string ToString() const;

  // The same code, with `context` before the message: "reading x: disk full".
  Status WithContext(std::string_view context) const;

  // Explicitly discards a Status whose failure is acceptable here; say why at the call.
  void IgnoreError() const {}

  friend bool operator==(const Status& a, const Status& b) {
    return a.code_ == b.code_ && a.message_ == b.message_;
  }

 private:
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  Code code_ = Code::kOk;
  std::string message_;
};

std::string_view ToString(Status::Code code);

// A T, or the Status saying why there is none. Never holds an OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  // `status` must not be OK. An OK one is a caller's mistake: it becomes InvalidArgument, so
  // that the mistake shows rather than a value appearing from nowhere.
  Result(Status status)  // NOLINT(google-explicit-constructor)
      : state_(status.ok() ? Status::InvalidArgument("Result built from an OK status")
                           : std::move(status)) {}

  bool ok() const { return std::holds_alternative<T>(state_); }
  // OK when there is a value.
  Status status() const { return ok() ? Status::OK() : std::get<Status>(state_); }

  // Only when ok().
  T& value() & { return std::get<T>(state_); }
  const T& value() const& { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  // The value, or `fallback` when there is none.
  T value_or(T fallback) const& { return ok() ? value() : std::move(fallback); }

 private:
  std::variant<T, Status> state_;
};

}  // namespace freshd
