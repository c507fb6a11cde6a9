// A thin RAII layer over SQLite: a connection and prepared statements, errors as values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sys/env.h"
#include "sys/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace companion::store {

class Statement {
 public:
  Statement(sys::Env& env, sqlite3* db, sqlite3_stmt* stmt, int busy_timeout_ms)
      : env_(&env), db_(db), stmt_(stmt), busy_timeout_ms_(busy_timeout_ms) {}
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  ~Statement();

  // Binds by 1-based index. Empty optionals and `null_if_empty` strings bind NULL.
  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, int64_t value);
  Statement& bind_null(int index);

  // Steps once: true when a row is available, false when done.
  Result<bool> step();
  // Runs to completion; the number of rows changed.
  Result<int> run();

  int64_t column_int(int col) const;
  std::string column_text(int col) const;
  bool column_is_null(int col) const;

 private:
  sys::Env* env_;  // the clock of the busy retries
  sqlite3* db_;
  sqlite3_stmt* stmt_;
  int busy_timeout_ms_;
};

class Database {
 public:
  // Opens (creating when `create`) the database at `path` with a busy timeout. `env` (its clock
  // for the busy retries, its files) outlives the Database and its statements.
  static Result<Database> open(sys::Env& env, const std::string& path, bool create,
                               int busy_timeout_ms);
  // Opens the existing WAL database at `path` for reading only, for when the disk is full or
  // read-only: the WAL index then lives in this process's memory, so nothing needs to grow on
  // disk (at most an empty -shm or -wal file is created). Reads see every committed transaction,
  // including those still in the -wal file. Writes through it fail with SQLITE_READONLY.
  // Open it only once the process has no other connection to `path` (SQLite shares one -shm
  // mapping between the connections of a process).
  static Result<Database> open_read_only(sys::Env& env, const std::string& path,
                                         int busy_timeout_ms);
  Database(Database&& other) noexcept;
  Database& operator=(Database&& other) noexcept;
  Database(const Database&) = delete;
  ~Database();

  Result<Statement> prepare(std::string_view sql);
  Status exec(const std::string& sql);
  const std::string& path() const { return path_; }
  // How long a statement waits for another connection's lock (and retries SQLite's immediate
  // busy answers) before failing with ErrorCode::kBusy.
  void set_busy_timeout(int busy_timeout_ms);
  // The last error message of the connection.
  std::string last_error() const;

 private:
  Database(sys::Env& env, sqlite3* db, std::string path, int busy_timeout_ms)
      : env_(&env), db_(db), path_(std::move(path)), busy_timeout_ms_(busy_timeout_ms) {}
  static Result<Database> open_with(sys::Env& env, const std::string& path, const std::string& name,
                                    int flags, int busy_timeout_ms);
  sys::Env* env_ = nullptr;
  sqlite3* db_ = nullptr;
  std::string path_;
  int busy_timeout_ms_ = 0;
};

// Runs `fn` inside BEGIN IMMEDIATE ... COMMIT (rolled back when fn fails).
template <class Fn>
Status with_write_transaction(Database& db, Fn&& fn) {
  COMPANION_TRY(db.exec("BEGIN IMMEDIATE"));
  Status s = fn();
  if (!s) {
    (void)db.exec("ROLLBACK");
    return s;
  }
  Status c = db.exec("COMMIT");
  if (!c) (void)db.exec("ROLLBACK");
  return c;
}

}  // namespace companion::store
