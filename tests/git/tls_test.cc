// https:// goes through the same bounded socket stream, under libgit2's TLS.
#include <git2.h>

#include <catch2/catch.hpp>

#include "git/repository.h"
#include "tests/git/git_fixture.h"
#include "tests/git/test_util.h"
#include "tests/http/tls_server.h"

namespace freshd::testing {
namespace {

TEST_CASE("an https remote is reached through TLS on the bounded stream") {
  // Answers "secure" to everything: not a git server. libgit2's mbedTLS checks the name, not
  // IP addresses, hence localhost.
  TlsServer server("DNS:localhost");
  std::string url = server.Url("/repo.git");
  url.replace(url.find("127.0.0.1"), 9, "localhost");
  GitWorkspace git;
  const std::string trusted = git.CloneDir("server.pem");
  WriteFile(trusted, server.certificate_pem());
  auto repo = MustOpen(git.CloneDir("c"), Remote(url, "main", "", 5));
  // After Open, which starts libgit2. Only this test uses TLS in this executable.
  REQUIRE(git_libgit2_opts(GIT_OPT_SET_SSL_CERT_LOCATIONS, trusted.c_str(), nullptr) == 0);

  const auto failed = repo->Fetch();
  INFO(failed.status().ToString());
  CHECK(failed.status().IsUnavailable());
  // The handshake completed and an HTTP answer came back through it: libgit2 refuses the
  // answer itself, not the connection or the certificate.
  CHECK(failed.status().message().find("content-type") != std::string::npos);
}

}  // namespace
}  // namespace freshd::testing
