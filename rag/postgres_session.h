// One libpq connection of the postgres sink (private to freshd_rag_sinks): connecting with
// safe defaults, running a statement that a stop cancels on the server, and the SQLSTATE of
// the statement that failed last. The DSN may hold a password: it never appears in an error.
#pragma once

#include <libpq-fe.h>

#include <memory>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace freshd::rag::postgres {

struct ResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
using PgResult = std::unique_ptr<PGresult, ResultDeleter>;

// SQLSTATE 42P01: the table was dropped behind our back; a new connection makes it again.
inline constexpr std::string_view kUndefinedTable = "42P01";

// Whether sending the same batch again cannot succeed, from the SQLSTATE it failed with.
bool RefusesBatch(std::string_view sqlstate);

class Session {
 public:
  Session(std::string dsn, std::stop_token stop) : dsn_(std::move(dsn)), stop_(std::move(stop)) {}

  bool connected() const { return connection_ != nullptr; }
  bool broken() const;  // connected, but the connection no longer works
  Status Connect();     // a new connection; Unavailable when the server cannot be reached
  void Close() { connection_.reset(); }

  // Runs one statement with text parameters. On failure failed_sqlstate() holds the server's
  // SQLSTATE ("" without one, as for a broken connection). Cancelled on a stop; Unavailable
  // for any other failure.
  Result<PgResult> Run(std::string_view what, const std::string& sql,
                       const std::vector<std::string>& parameters = {});
  Status Execute(std::string_view what, const std::string& sql,
                 const std::vector<std::string>& parameters = {}) {
    return Run(what, sql, parameters).status();
  }
  const std::string& failed_sqlstate() const { return failed_sqlstate_; }

  // After a failed statement in a transaction: rolled back, or the connection closed when it
  // is broken (the next unit of work connects again).
  void Abandon();

  // An identifier or a literal quoted for this connection; "" when it cannot be.
  std::string Identifier(const std::string& name) const;
  std::string Literal(const std::string& value) const;

 private:
  struct ConnectionDeleter {
    void operator()(PGconn* connection) const { PQfinish(connection); }
  };

  const std::string dsn_;
  const std::stop_token stop_;
  std::unique_ptr<PGconn, ConnectionDeleter> connection_;
  std::string failed_sqlstate_;
};

}  // namespace freshd::rag::postgres
