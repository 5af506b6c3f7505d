// HostTlsBridge: one thread accepts, one thread per connection pumps bytes
// between its socket and the enclave's TLS session.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <thread>

#include "cloister/ratls_calls.h"
#include "cloister/ratls_host.h"
#include "common/unique_fd.h"

namespace cloister::ratls {

struct HostTlsBridge::State {
  Enclave* enclave = nullptr;
  BridgeOptions options;
  UniqueFd listener;
  UniqueFd stop_event;  // readable once stop() is called
  std::uint16_t port = 0;
  std::thread acceptor;
  std::mutex mutex;
  std::condition_variable idle;
  std::size_t active = 0;
  std::atomic<bool> stopping{false};

  void accept_loop();
  void serve(UniqueFd client);
};

namespace {

bool write_all(int fd, ByteView bytes) {
  while (!bytes.empty()) {
    const ssize_t sent = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (sent < 0 && errno == EINTR) continue;
    if (sent <= 0) return false;
    bytes = bytes.subspan(static_cast<std::size_t>(sent));
  }
  return true;
}

}  // namespace

void HostTlsBridge::State::serve(UniqueFd client) {
  auto opened = enclave->call(TlsOpen{});
  if (!opened.is_ok()) {
    spdlog::warn("attested TLS: the enclave refused a session: {}", opened.status().to_string());
    return;
  }
  const std::uint64_t session = opened->session;
  bool enclave_closed = false;
  std::uint8_t buffer[64 * 1024];
  for (;;) {
    pollfd fds[2] = {{client.get(), POLLIN, 0}, {stop_event.get(), POLLIN, 0}};
    const int ready = ::poll(fds, 2, static_cast<int>(options.idle_timeout.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0 || (fds[1].revents & POLLIN) != 0) break;  // idle too long, or stopping
    ssize_t got = ::recv(client.get(), buffer, sizeof buffer, 0);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) break;
    const bool peer_closed = got == 0;
    auto reply = enclave->call(TlsExchange{.session = session,
                                           .records = Bytes(buffer, buffer + (got > 0 ? got : 0)),
                                           .peer_closed = peer_closed});
    if (!reply.is_ok()) {
      spdlog::warn("attested TLS: session {}: {}", session, reply.status().to_string());
      break;
    }
    if (!reply->records.empty() && !write_all(client.get(), reply->records)) break;
    if (reply->closed) {
      enclave_closed = true;
      break;
    }
    if (peer_closed) break;
  }
  ::shutdown(client.get(), SHUT_RDWR);
  if (!enclave_closed) (void)enclave->call(TlsClose{.session = session});
}

void HostTlsBridge::State::accept_loop() {
  for (;;) {
    pollfd fds[2] = {{listener.get(), POLLIN, 0}, {stop_event.get(), POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if ((fds[1].revents & POLLIN) != 0) return;
    UniqueFd client(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!client.valid()) continue;
    std::unique_lock lock(mutex);
    if (active >= options.max_connections) continue;  // closes it: the client sees a reset
    ++active;
    lock.unlock();
    std::thread([this, fd = std::move(client)]() mutable {
      serve(std::move(fd));
      std::lock_guard done(mutex);
      --active;
      idle.notify_all();
    }).detach();
  }
}

Result<std::unique_ptr<HostTlsBridge>> HostTlsBridge::start(Enclave& enclave, BridgeOptions options) {
  auto state = std::make_unique<State>();
  state->enclave = &enclave;
  state->options = std::move(options);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(state->options.port);
  if (::inet_pton(AF_INET, state->options.address.c_str(), &address.sin_addr) != 1) {
    return Status(ErrorCode::invalid_argument, "not an IPv4 address: " + state->options.address);
  }
  state->listener.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  const int one = 1;
  if (!state->listener.valid() ||
      ::setsockopt(state->listener.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
      ::bind(state->listener.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(state->listener.get(), 64) != 0) {
    return Status(ErrorCode::io_error, "cannot listen on " + state->options.address + ":" +
                                           std::to_string(state->options.port) + ": " + std::strerror(errno));
  }
  socklen_t size = sizeof address;
  ::getsockname(state->listener.get(), reinterpret_cast<sockaddr*>(&address), &size);
  state->port = ntohs(address.sin_port);
  state->stop_event.reset(::eventfd(0, EFD_CLOEXEC));
  if (!state->stop_event.valid()) return Status(ErrorCode::io_error, "eventfd failed");
  State* raw = state.get();
  state->acceptor = std::thread([raw] { raw->accept_loop(); });
  return std::unique_ptr<HostTlsBridge>(new HostTlsBridge(std::move(state)));
}

HostTlsBridge::HostTlsBridge(std::unique_ptr<State> state) : state_(std::move(state)) {}

HostTlsBridge::~HostTlsBridge() {
  stop();
}

std::uint16_t HostTlsBridge::port() const {
  return state_->port;
}

void HostTlsBridge::stop() {
  if (state_->stopping.exchange(true)) return;
  const std::uint64_t one = 1;
  (void)!::write(state_->stop_event.get(), &one, sizeof one);
  if (state_->acceptor.joinable()) state_->acceptor.join();
  std::unique_lock lock(state_->mutex);
  state_->idle.wait(lock, [this] { return state_->active == 0; });
}

}  // namespace cloister::ratls
