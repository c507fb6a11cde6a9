#include "store/sqlite.h"

#include <errno.h>
#include <sqlite3.h>

#include <algorithm>
#include <utility>

#include "sys/clock.h"
#include "sys/fd.h"
#include "sys/fs.h"

namespace companion::store {

namespace {

// SQLite returns SQLITE_BUSY without consulting the busy handler in a few cases, such as a
// journal-mode change or WAL recovery racing another connection (seen with twenty processes
// opening a new store at once). Those are retried here, with a short bounded back-off, for at
// most kBusyRetryBudgetMs and never longer than the connection's own busy timeout, so a caller
// with a short timeout (cancel) keeps its bound.
constexpr int64_t kBusyRetryBudgetMs = 2000;  // those races last milliseconds

template <class Fn>
int with_busy_retry(sys::Env& env, int busy_timeout_ms, Fn&& attempt) {
  int64_t deadline = env.monotonic_ms() + std::min<int64_t>(kBusyRetryBudgetMs, busy_timeout_ms);
  int delay_ms = 1;
  for (;;) {
    int rc = attempt();
    bool busy = (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED;
    if (!busy || env.monotonic_ms() >= deadline) return rc;
    env.sleep_ms(delay_ms);
    delay_ms = std::min(delay_ms * 2, 50);
  }
}

// A WAL file no longer than its header holds no transaction.
constexpr int64_t kWalHeaderBytes = 32;

// SQLite reports a write that found no space as SQLITE_FULL, but a shared-memory file it cannot
// grow, or a file it cannot create, as an I/O error: the system errno tells that cause apart.
bool out_of_space(sqlite3* db) {
  int code = sqlite3_extended_errcode(db) & 0xff;
  if (code == SQLITE_FULL) return true;
  int sys_errno = sqlite3_system_errno(db);
  return (code == SQLITE_IOERR || code == SQLITE_CANTOPEN) &&
         (sys_errno == ENOSPC || sys_errno == EDQUOT);
}

Error db_error(sqlite3* db, const std::string& path, std::string_view doing) {
  int code = sqlite3_extended_errcode(db) & 0xff;
  std::string msg = sqlite3_errmsg(db);
  if (out_of_space(db)) {
    return make_coded_error(
        ErrorCode::kDiskFull,
        "cannot write the job store: the disk holding {} is full; free space and retry",
        sys::dirname_of(path));
  }
  if (code == SQLITE_NOTADB || code == SQLITE_CORRUPT) {
    return make_coded_error(
        ErrorCode::kCorrupt,
        "the job store {} is unreadable ({}); move it aside (mv '{}' '{}.corrupt') to start a "
        "fresh store",
        path, msg, path, path);
  }
  if (code == SQLITE_READONLY || code == SQLITE_CANTOPEN || code == SQLITE_PERM) {
    return make_coded_error(ErrorCode::kReadOnly,
                            "cannot write the job store {} ({}); check that its directory is "
                            "writable",
                            path, msg);
  }
  if (code == SQLITE_BUSY || code == SQLITE_LOCKED) {
    return make_coded_error(ErrorCode::kBusy,
                            "the job store {} is locked by another process ({}); retry in a moment",
                            path, msg);
  }
  if (code == SQLITE_IOERR) {
    return make_error(
        "cannot access the job store {} ({}); check free disk space and that its "
        "directory is writable, then retry",
        path, msg);
  }
  // SQLite has no code of its own for a missing table: its message is the only sign.
  ErrorCode kind =
      msg.rfind("no such table", 0) == 0 ? ErrorCode::kMissingTable : ErrorCode::kGeneric;
  return make_coded_error(kind, "job store {} failed while {}: {}", path, doing, msg);
}

// `path` as the path part of a "file:" URI.
std::string uri_path(const std::string& path) {
  std::string out;
  for (char c : path) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '/' || c == '.' || c == '-' || c == '_' || c == '~';
    if (plain) {
      out.push_back(c);
    } else {
      out += fmt::format("%{:02X}", static_cast<unsigned char>(c));
    }
  }
  return out;
}

}  // namespace

Statement::Statement(Statement&& other) noexcept
    : env_(other.env_),
      db_(other.db_),
      stmt_(std::exchange(other.stmt_, nullptr)),
      busy_timeout_ms_(other.busy_timeout_ms_) {}

Statement::~Statement() {
  if (stmt_) sqlite3_finalize(stmt_);
}

Statement& Statement::bind(int index, std::string_view text) {
  sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::bind(int index, int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

Statement& Statement::bind_null(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

Result<bool> Statement::step() {
  int rc = with_busy_retry(*env_, busy_timeout_ms_, [this] { return sqlite3_step(stmt_); });
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  const char* file = sqlite3_db_filename(db_, "main");
  return db_error(db_, file ? file : "", "running a query");
}

Result<int> Statement::run() {
  for (;;) {
    auto more = step();
    if (!more) return more.error();
    if (!*more) break;
  }
  return sqlite3_changes(db_);
}

int64_t Statement::column_int(int col) const {
  return sqlite3_column_int64(stmt_, col);
}

std::string Statement::column_text(int col) const {
  const unsigned char* text = sqlite3_column_text(stmt_, col);
  if (!text) return {};
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<size_t>(sqlite3_column_bytes(stmt_, col)));
}

bool Statement::column_is_null(int col) const {
  return sqlite3_column_type(stmt_, col) == SQLITE_NULL;
}

Result<Database> Database::open(sys::Env& env, const std::string& path, bool create,
                                int busy_timeout_ms) {
  int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
  return open_with(env, path, path, flags, busy_timeout_ms);
}

Result<Database> Database::open_read_only(sys::Env& env, const std::string& path,
                                          int busy_timeout_ms) {
  // `readonly_shm` keeps the WAL index in this connection's memory when the -shm file cannot be
  // written, but the file must exist: create it empty when missing (that needs no free space).
  // Where even that fails, the database file alone is complete only while the -wal file holds
  // no transaction; `immutable` then reads it without the WAL and without locks.
  std::string shm = path + "-shm";
  std::string params = "?readonly_shm=1";
  if (!env.path_exists(shm)) {
    if (auto made = env.append_file(shm, ""); !made) {
      if (env.file_size(path + "-wal") > kWalHeaderBytes) {
        return make_error("cannot read the job store {}: its WAL cannot be indexed without {} ({})",
                          path, shm, made.error().message);
      }
      params = "?immutable=1";
    }
  }
  return open_with(env, path, "file:" + uri_path(path) + params,
                   SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, busy_timeout_ms);
}

Result<Database> Database::open_with(sys::Env& env, const std::string& path,
                                     const std::string& name, int flags, int busy_timeout_ms) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(name.c_str(), &db, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Error e = db ? db_error(db, path, "opening") : make_error("cannot open {}", path);
    sqlite3_close(db);
    return e;
  }
  sqlite3_busy_timeout(db, busy_timeout_ms);
  sqlite3_extended_result_codes(db, 1);
  // No checkpoint when a connection closes (every command is a short-lived process): the last
  // one out would otherwise copy the WAL into the database, sync both and delete the WAL, and
  // the next command re-create it with a header and directory sync: 4 fsyncs, 30-60 ms of a
  // foreground task on a busy disk. Commits checkpoint once the WAL passes 1000 pages
  // (SQLite's wal_autocheckpoint), so the WAL stays bounded.
  sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
  return Database(env, db, path, busy_timeout_ms);
}

Database::Database(Database&& other) noexcept
    : env_(other.env_),
      db_(std::exchange(other.db_, nullptr)),
      path_(std::move(other.path_)),
      busy_timeout_ms_(other.busy_timeout_ms_) {}

Database& Database::operator=(Database&& other) noexcept {
  if (this != &other) {
    if (db_) sqlite3_close(db_);
    env_ = other.env_;
    db_ = std::exchange(other.db_, nullptr);
    path_ = std::move(other.path_);
    busy_timeout_ms_ = other.busy_timeout_ms_;
  }
  return *this;
}

Database::~Database() {
  if (db_) sqlite3_close(db_);
}

Result<Statement> Database::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) return db_error(db_, path_, "preparing a query");
  return Statement(*env_, db_, stmt, busy_timeout_ms_);
}

Status Database::exec(const std::string& sql) {
  int rc = with_busy_retry(*env_, busy_timeout_ms_, [&] {
    char* err = nullptr;
    int code = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
    sqlite3_free(err);
    return code;
  });
  if (rc != SQLITE_OK) return db_error(db_, path_, "updating");
  return {};
}

void Database::set_busy_timeout(int busy_timeout_ms) {
  busy_timeout_ms_ = busy_timeout_ms;
  sqlite3_busy_timeout(db_, busy_timeout_ms);
}

std::string Database::last_error() const {
  return sqlite3_errmsg(db_);
}

}  // namespace companion::store
