#include "tests/http/tls_server.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it
// Asio and the rest of the standard library.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <exception>
#include <set>
#include <stdexcept>
#include <thread>

namespace freshd::testing {
namespace {

namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;
using asio::ip::tcp;

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using CertPtr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using ExtensionPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION, X509_EXTENSION_free>>;

void Check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("openssl: ") + what);
}

std::string ToPem(auto write) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  Check(bio && write(bio.get()), "PEM write");
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

void AddExtension(X509* cert, int nid, const std::string& value) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, cert, cert, nullptr, nullptr, 0);
  ExtensionPtr extension(X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str()));
  Check(extension && X509_add_ext(cert, extension.get(), -1), "extension");
}

// A P-256 key and a certificate for it, signed by itself, valid for an hour.
std::pair<std::string, std::string> MakeSelfSigned(const std::string& subject_alt_name) {
  KeyPtr key(EVP_EC_gen("P-256"));
  Check(key != nullptr, "key generation");
  CertPtr cert(X509_new());
  Check(cert != nullptr, "X509_new");
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("freshd test"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  AddExtension(cert.get(), NID_basic_constraints, "critical,CA:TRUE");
  AddExtension(cert.get(), NID_subject_alt_name, subject_alt_name);
  Check(X509_sign(cert.get(), key.get(), EVP_sha256()) > 0, "X509_sign");
  return {ToPem([&](BIO* bio) { return PEM_write_bio_X509(bio, cert.get()) == 1; }),
          ToPem([&](BIO* bio) {
            return PEM_write_bio_PrivateKey(bio, key.get(), nullptr, nullptr, 0, nullptr,
                                            nullptr) == 1;
          })};
}

}  // namespace

struct TlsServer::Impl {
  explicit Impl(const std::string& subject_alt_name) {
    const auto [cert, key] = MakeSelfSigned(subject_alt_name);
    certificate = cert;
    tls.use_certificate(asio::buffer(cert), asio::ssl::context::pem);
    tls.use_private_key(asio::buffer(key), asio::ssl::context::pem);
    const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
    acceptor.open(endpoint.protocol());
    acceptor.bind(endpoint);
    acceptor.listen();
    port = acceptor.local_endpoint().port();
  }

  awaitable<void> AcceptLoop() {
    while (acceptor.is_open()) {
      tcp::socket socket = co_await acceptor.async_accept(use_awaitable);
      asio::co_spawn(io, Serve(std::move(socket)), [](std::exception_ptr) {});
    }
  }

  awaitable<void> Serve(tcp::socket socket) {
    asio::ssl::stream<tcp::socket> stream(std::move(socket), tls);
    tcp::socket* tracked = &stream.next_layer();
    open_sockets.insert(tracked);
    struct Untrack {
      ~Untrack() { sockets.erase(socket); }
      std::set<tcp::socket*>& sockets;
      tcp::socket* socket;
    } untrack{open_sockets, tracked};

    co_await stream.async_handshake(asio::ssl::stream_base::server, use_awaitable);
    // Buffers are named: GCC 12 mishandles temporaries inside co_await expressions.
    std::string request;
    auto request_buffer = asio::dynamic_buffer(request);
    co_await asio::async_read_until(stream, request_buffer, "\r\n\r\n", use_awaitable);
    const std::string response =
        "HTTP/1.1 200 OK\r\nContent-Length: 6\r\nConnection: close\r\n\r\nsecure";
    const auto response_buffer = asio::buffer(response);
    co_await asio::async_write(stream, response_buffer, use_awaitable);
  }

  asio::io_context io;
  asio::ssl::context tls{asio::ssl::context::tls_server};
  tcp::acceptor acceptor{io};
  std::set<tcp::socket*> open_sockets;  // only touched on the server thread
  std::string certificate;
  int port = 0;
  std::thread thread;
};

TlsServer::TlsServer(const std::string& subject_alt_name)
    : impl_(std::make_unique<Impl>(subject_alt_name)) {
  asio::co_spawn(impl_->io, impl_->AcceptLoop(), [](std::exception_ptr) {});
  impl_->thread = std::thread([this] { impl_->io.run(); });
}

TlsServer::~TlsServer() {
  asio::post(impl_->io, [this] {
    boost::system::error_code ignored;
    impl_->acceptor.close(ignored);
    for (tcp::socket* socket : impl_->open_sockets) socket->close(ignored);
  });
  impl_->thread.join();
}

std::string TlsServer::Url(std::string_view path) const {
  return "https://127.0.0.1:" + std::to_string(impl_->port) + std::string(path);
}

const std::string& TlsServer::certificate_pem() const { return impl_->certificate; }

}  // namespace freshd::testing
