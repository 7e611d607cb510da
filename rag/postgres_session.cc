#include "rag/postgres_session.h"

#include <utility>

#include "common/strings.h"

namespace freshd::rag::postgres {
namespace {

struct CancelDeleter {
  void operator()(PGcancel* cancel) const { PQfreeCancel(cancel); }
};

std::string Trimmed(std::string_view text) { return std::string(strings::TrimRight(text, "\n ")); }

// Defaults that the DSN may override (it is expanded after them): a dead server or a lock
// held elsewhere fails a batch rather than blocking the delivery thread forever.
constexpr std::pair<const char*, const char*> kConnectionDefaults[] = {
    {"connect_timeout", "10"},
    {"keepalives_idle", "30"},
    {"keepalives_interval", "10"},
    {"keepalives_count", "3"},
    {"options", "-c statement_timeout=60s"},
    {"client_encoding", "UTF8"},
    {"application_name", "freshd"},
};

void IgnoreNotice(void*, const char*) {}  // "relation already exists, skipping", and such

}  // namespace

// SQLSTATE classes for which the same batch would fail again however often it is sent:
//   22 data exception (a value the column type refuses, a vector of the wrong size)
//   23 integrity constraint violation (a check, a not-null, a trigger raising check_violation)
//   42 syntax error or access rule violation (a table of another definition, no privilege)
//   54 program limit exceeded (a batch too large for one statement)
// Anything else is worth sending again: no SQLSTATE (the connection broke), 08 connection
// exception, 40 serialization failure or deadlock, 53 insufficient resources, 57 operator
// intervention (statement timeout, admin shutdown), and classes not named here.
bool RefusesBatch(std::string_view sqlstate) {
  if (sqlstate.size() != 5 || sqlstate == kUndefinedTable) return false;
  const std::string_view sqlstate_class = sqlstate.substr(0, 2);
  return sqlstate_class == "22" || sqlstate_class == "23" || sqlstate_class == "42" ||
         sqlstate_class == "54";
}

bool Session::broken() const {
  return connection_ != nullptr && PQstatus(connection_.get()) != CONNECTION_OK;
}

Status Session::Connect() {
  connection_.reset();
  // libpq's own message for a malformed string may quote it, password included.
  char* parse_error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(dsn_.c_str(), &parse_error);
  if (parsed == nullptr) {
    PQfreemem(parse_error);
    // Not InvalidArgument, which would blame the batch (IsRefusal): no batch can be sent.
    return Status::Unavailable("postgres: the DSN is not a valid libpq connection string");
  }
  PQconninfoFree(parsed);
  std::vector<const char*> keywords, values;
  for (const auto& [keyword, value] : kConnectionDefaults) {
    keywords.push_back(keyword);
    values.push_back(value);
  }
  keywords.insert(keywords.end(), {"dbname", nullptr});  // expanded: the whole DSN
  values.insert(values.end(), {dsn_.c_str(), nullptr});
  std::unique_ptr<PGconn, ConnectionDeleter> connection(
      PQconnectdbParams(keywords.data(), values.data(), /*expand_dbname=*/1));
  if (PQstatus(connection.get()) != CONNECTION_OK) {
    return Status::Unavailable("postgres connect: " + Trimmed(PQerrorMessage(connection.get())));
  }
  PQsetNoticeProcessor(connection.get(), &IgnoreNotice, nullptr);
  connection_ = std::move(connection);
  return Status::OK();
}

Result<PgResult> Session::Run(std::string_view what, const std::string& sql,
                              const std::vector<std::string>& parameters) {
  std::vector<const char*> values;
  values.reserve(parameters.size());
  for (const std::string& parameter : parameters) values.push_back(parameter.c_str());
  failed_sqlstate_.clear();
  if (stop_.stop_requested()) {
    return Status::Cancelled("postgres " + std::string(what) + ": cancelled: freshd is stopping");
  }
  // A stop cancels the statement on the server (PQcancel may be called from any thread).
  std::unique_ptr<PGcancel, CancelDeleter> canceller(PQgetCancel(connection_.get()));
  std::stop_callback cancel_on_stop(stop_, [&canceller] {
    char why[256];
    if (canceller) PQcancel(canceller.get(), why, sizeof(why));
  });
  PgResult result(PQexecParams(connection_.get(), sql.c_str(), static_cast<int>(values.size()),
                               nullptr, values.data(), nullptr, nullptr, 0));
  const ExecStatusType status = PQresultStatus(result.get());
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return result;
  const char* sqlstate = result ? PQresultErrorField(result.get(), PG_DIAG_SQLSTATE) : nullptr;
  failed_sqlstate_ = sqlstate == nullptr ? "" : sqlstate;
  return Status::Unavailable(
      "postgres " + std::string(what) + ": " +
      Trimmed(result ? PQresultErrorMessage(result.get()) : PQerrorMessage(connection_.get())));
}

void Session::Abandon() {
  if (broken() || !Execute("rollback", "ROLLBACK").ok()) connection_.reset();
}

std::string Session::Identifier(const std::string& name) const {
  char* quoted = PQescapeIdentifier(connection_.get(), name.c_str(), name.size());
  if (quoted == nullptr) return "";
  std::string text = quoted;
  PQfreemem(quoted);
  return text;
}

std::string Session::Literal(const std::string& value) const {
  char* quoted = PQescapeLiteral(connection_.get(), value.c_str(), value.size());
  if (quoted == nullptr) return "";
  std::string text = quoted;
  PQfreemem(quoted);
  return text;
}

}  // namespace freshd::rag::postgres
