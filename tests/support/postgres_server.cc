#include "tests/support/postgres_server.h"

#include <libpq-fe.h>
#include <pwd.h>
#include <unistd.h>

#include <memory>
#include <stdexcept>

#include "tests/support/process.h"

namespace freshd::testing {
namespace {

constexpr char kBinDir[] = "/usr/lib/postgresql/15/bin";

// The tail of a log, for an exception message: the folder holding it is gone by the time
// anyone reads the message.
std::string Tail(const std::string& text, std::size_t bytes = 2000) {
  return text.size() <= bytes ? text : "..." + text.substr(text.size() - bytes);
}

bool RunningAsRoot() { return getuid() == 0; }

// initdb and postgres refuse to run as root: as root, the cluster belongs to `postgres`.
void GiveToPostgresUser(const std::filesystem::path& dir) {
  const passwd* user = getpwnam("postgres");
  if (user == nullptr) throw std::runtime_error("no `postgres` user: install postgresql-15");
  if (chown(dir.c_str(), user->pw_uid, user->pw_gid) != 0) {
    throw std::runtime_error("cannot chown " + dir.string() + " to postgres");
  }
}

// `tool arguments...`, as the postgres user when we are root, run from `dir` (pg_ctl wants
// to read its working directory, which the postgres user may not be allowed to).
std::vector<std::string> Command(const std::string& tool, const std::filesystem::path& dir,
                                 const std::vector<std::string>& arguments) {
  std::vector<std::string> argv;
  if (RunningAsRoot()) argv = {"/usr/sbin/runuser", "-u", "postgres", "--"};
  argv.insert(argv.end(), {"env", "-C", dir.string(), std::string(kBinDir) + "/" + tool});
  argv.insert(argv.end(), arguments.begin(), arguments.end());
  return argv;
}

}  // namespace

PostgresServer::PostgresServer() : port_(FreePort()) {
  if (!std::filesystem::exists(std::string(kBinDir) + "/initdb")) {
    throw std::runtime_error(std::string("PostgreSQL 15 is not installed (no ") + kBinDir +
                             "/initdb): run scripts/install-deps.sh");
  }
  if (RunningAsRoot()) GiveToPostgresUser(dir_.path());
  std::string output;
  const int code = RunCommand(Command("initdb", dir_.path(),
                                      {"-D", DataDir().string(), "-A", "trust", "-U", "freshd",
                                       "-E", "UTF8", "--locale=C", "--no-sync"}),
                              &output);
  if (code != 0) throw std::runtime_error("initdb failed: " + Tail(output));
  Start();
}

PostgresServer::~PostgresServer() {
  if (!running_) return;
  try {
    std::string ignored;
    PgCtl({"stop", "-m", "immediate"}, &ignored);
  } catch (...) {
    // A destructor must not throw; the cluster's folder is removed anyway.
  }
}

std::string PostgresServer::Dsn() const {
  return "host=127.0.0.1 port=" + std::to_string(port_) + " user=freshd dbname=postgres";
}

std::vector<std::vector<std::string>> PostgresServer::Query(const std::string& sql) const {
  std::unique_ptr<PGconn, decltype(&PQfinish)> connection(PQconnectdb(Dsn().c_str()), &PQfinish);
  if (PQstatus(connection.get()) != CONNECTION_OK) {
    throw std::runtime_error("cannot connect: " + std::string(PQerrorMessage(connection.get())));
  }
  std::unique_ptr<PGresult, decltype(&PQclear)> result(PQexec(connection.get(), sql.c_str()),
                                                       &PQclear);
  const ExecStatusType status = PQresultStatus(result.get());
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    throw std::runtime_error(sql + ": " + PQresultErrorMessage(result.get()));
  }
  std::vector<std::vector<std::string>> rows(PQntuples(result.get()));
  for (int row = 0; row < PQntuples(result.get()); ++row) {
    for (int column = 0; column < PQnfields(result.get()); ++column) {
      rows[row].emplace_back(PQgetvalue(result.get(), row, column));
    }
  }
  return rows;
}

int PostgresServer::PgCtl(const std::vector<std::string>& arguments, std::string* output) const {
  std::vector<std::string> all = {"-D", DataDir().string(), "-w", "-t", "30"};
  all.insert(all.end(), arguments.begin(), arguments.end());
  return RunCommand(Command("pg_ctl", dir_.path(), all), output);
}

void PostgresServer::Start() {
  // fsync off: a test cluster need not survive a power cut, and it saves seconds.
  const std::string server_options = "-p " + std::to_string(port_) + " -k " + dir_.path().string() +
                                     " -c listen_addresses=127.0.0.1 -c fsync=off";
  std::string output;
  if (PgCtl({"-o", server_options, "-l", LogPath(), "start"}, &output) != 0 ||
      !WaitForPort(port_)) {
    throw std::runtime_error("postgres did not start: " + Tail(output) + "\n" +
                             Tail(ReadFile(LogPath())));
  }
  running_ = true;
}

void PostgresServer::Stop() {
  std::string output;
  if (PgCtl({"stop", "-m", "fast"}, &output) != 0) {
    throw std::runtime_error("postgres did not stop: " + Tail(output));
  }
  running_ = false;
}

}  // namespace freshd::testing
