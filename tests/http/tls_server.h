// An HTTPS server on 127.0.0.1 with a self-signed certificate made at start, answering every
// request with 200 and the body "secure". Runs on its own thread until destroyed.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace freshd::testing {

class TlsServer {
 public:
  // `subject_alt_name` in OpenSSL's syntax: "IP:127.0.0.1", "DNS:example.com".
  explicit TlsServer(const std::string& subject_alt_name = "IP:127.0.0.1");
  ~TlsServer();
  TlsServer(const TlsServer&) = delete;
  TlsServer& operator=(const TlsServer&) = delete;

  // "https://127.0.0.1:PORT" + path.
  std::string Url(std::string_view path) const;
  // The certificate in PEM: trusting it is enough, it signs itself.
  const std::string& certificate_pem() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace freshd::testing
