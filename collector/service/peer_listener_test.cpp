#include "collector/service/peer_listener.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

namespace mamori::service {
namespace {

using std::chrono::milliseconds;

TEST(ConnectionTable, AdmitsUpToTheLimitPerPeer) {
  ConnectionTable table(2);
  EXPECT_TRUE(table.Admit("10.0.0.5", 1));
  EXPECT_TRUE(table.Admit("10.0.0.5", 2));
  EXPECT_FALSE(table.Admit("10.0.0.5", 3));
  EXPECT_EQ(table.Count("10.0.0.5"), 2u);
  // Another address has its own allowance.
  EXPECT_TRUE(table.Admit("10.0.0.6", 4));
  EXPECT_EQ(table.peers(), 2u);
}

TEST(ConnectionTable, ConnectionsNoLongerOpenFreeTheirSlots) {
  ConnectionTable table(2);
  ASSERT_TRUE(table.Admit("10.0.0.5", 1));
  ASSERT_TRUE(table.Admit("10.0.0.5", 2));
  ASSERT_TRUE(table.Admit("10.0.0.6", 3));
  table.KeepOnly({2});
  EXPECT_EQ(table.Count("10.0.0.5"), 1u);
  EXPECT_EQ(table.Count("10.0.0.6"), 0u);
  EXPECT_EQ(table.peers(), 1u) << "a peer with nothing open is forgotten";
  EXPECT_TRUE(table.Admit("10.0.0.5", 5));
  EXPECT_FALSE(table.Admit("10.0.0.5", 6));
}

sockaddr_storage V4(const char* text, int port) {
  sockaddr_storage out{};
  auto* a = reinterpret_cast<sockaddr_in*>(&out);
  a->sin_family = AF_INET;
  a->sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, text, &a->sin_addr);
  return out;
}

sockaddr_storage V6(const char* text, int port) {
  sockaddr_storage out{};
  auto* a = reinterpret_cast<sockaddr_in6*>(&out);
  a->sin6_family = AF_INET6;
  a->sin6_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET6, text, &a->sin6_addr);
  return out;
}

TEST(SocketPeerAddress, OnePeerHasOneNameOnEveryListener) {
  EXPECT_EQ(SocketPeerAddress(V4("10.0.0.5", 1)), "10.0.0.5");
  EXPECT_EQ(SocketPeerAddress(V6("2001:db8::7", 1)), "2001:db8::7");
  EXPECT_EQ(SocketPeerAddress(V6("::ffff:10.0.0.5", 1)), "10.0.0.5");
  EXPECT_EQ(SocketPeerAddress(V6("::1", 1)), "::1");
}

// The connections a listener handed over, as gRPC would hold them.
class HeldConnections final
    : public grpc::experimental::ExternalConnectionAcceptor {
 public:
  explicit HeldConnections(std::shared_ptr<std::vector<int>> fds,
                           std::shared_ptr<std::mutex> mu)
      : fds_(std::move(fds)), mu_(std::move(mu)) {}
  void HandleNewConnection(NewConnectionParameters* p) override {
    std::lock_guard<std::mutex> lock(*mu_);
    fds_->push_back(p->fd);
  }

 private:
  std::shared_ptr<std::vector<int>> fds_;
  std::shared_ptr<std::mutex> mu_;
};

class Held {
 public:
  Held()
      : fds_(std::make_shared<std::vector<int>>()),
        mu_(std::make_shared<std::mutex>()) {}
  ~Held() {
    for (int fd : *fds_) close(fd);
  }
  std::unique_ptr<grpc::experimental::ExternalConnectionAcceptor> Acceptor() {
    return std::make_unique<HeldConnections>(fds_, mu_);
  }
  size_t size() const {
    std::lock_guard<std::mutex> lock(*mu_);
    return fds_->size();
  }
  // Closes the oldest connection held, as gRPC does when a client leaves.
  void CloseOne() {
    std::lock_guard<std::mutex> lock(*mu_);
    close(fds_->front());
    fds_->erase(fds_->begin());
  }

 private:
  std::shared_ptr<std::vector<int>> fds_;
  std::shared_ptr<std::mutex> mu_;
};

// A client socket bound to `source` (127.0.0.0/8 is all loopback, so tests
// can be several peers) connected to `destination`; -1 when it fails.
int Connect(const sockaddr_storage& source,
            const sockaddr_storage& destination) {
  const int fd = socket(destination.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  const socklen_t size = destination.ss_family == AF_INET
                             ? sizeof(sockaddr_in)
                             : sizeof(sockaddr_in6);
  if (bind(fd, reinterpret_cast<const sockaddr*>(&source), size) != 0 ||
      connect(fd, reinterpret_cast<const sockaddr*>(&destination), size) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// Whether the other side closed or reset `fd` within `wait`.
bool ClosedByServer(int fd, milliseconds wait) {
  pollfd p{fd, POLLIN, 0};
  if (poll(&p, 1, static_cast<int>(wait.count())) <= 0) return false;
  char byte = 0;
  const ssize_t n = recv(fd, &byte, 1, 0);
  return n == 0 || (n < 0 && errno == ECONNRESET);
}

template <typename Predicate>
bool WaitFor(Predicate done) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(milliseconds(5));
  }
  return true;
}

TEST(PeerListener, RefusesAPeerOverItsLimitAndFreesClosedSlots) {
  SystemClock clock;
  Result<std::unique_ptr<PeerListener>> listener =
      PeerListener::Open("127.0.0.1:0", clock, {.max_connections_per_peer = 2});
  ASSERT_TRUE(listener.ok()) << listener.status().ToString();
  PeerListener& l = **listener;
  ASSERT_GT(l.port(), 0);
  Held held;
  l.Start(held.Acceptor());
  const sockaddr_storage server = V4("127.0.0.1", l.port());
  const sockaddr_storage peer = V4("127.0.0.2", 0);

  std::vector<int> clients;
  for (int i = 0; i < 4; ++i) {
    const int fd = Connect(peer, server);
    ASSERT_GE(fd, 0) << std::strerror(errno);
    clients.push_back(fd);
    ASSERT_TRUE(WaitFor([&] {
      return held.size() + l.refused() == static_cast<size_t>(i + 1);
    }));
  }
  EXPECT_EQ(held.size(), 2u);
  EXPECT_EQ(l.refused(), 2u);
  EXPECT_FALSE(ClosedByServer(clients[0], milliseconds(50)));
  EXPECT_FALSE(ClosedByServer(clients[1], milliseconds(50)));
  EXPECT_TRUE(ClosedByServer(clients[2], milliseconds(2000)));
  EXPECT_TRUE(ClosedByServer(clients[3], milliseconds(2000)));

  // Another address is not held back by this one.
  const int other = Connect(V4("127.0.0.3", 0), server);
  ASSERT_GE(other, 0);
  ASSERT_TRUE(WaitFor([&] { return held.size() == 3; }));

  // gRPC closing a connection frees its slot for the next one (seen by the
  // listener within its recount interval: a try made sooner is refused).
  held.CloseOne();
  int again = -1;
  ASSERT_TRUE(WaitFor([&] {
    if (again >= 0) close(again);
    const uint64_t before = l.admitted() + l.refused();
    again = Connect(peer, server);
    WaitFor([&] { return l.admitted() + l.refused() > before; });
    return held.size() == 3;
  }));
  EXPECT_EQ(l.admitted(), 4u);
  // Full again: the next one is refused.
  const uint64_t refused = l.refused();
  const int over = Connect(peer, server);
  ASSERT_TRUE(WaitFor([&] { return l.refused() == refused + 1; }));
  EXPECT_TRUE(ClosedByServer(over, milliseconds(2000)));
  close(over);

  l.Stop();
  EXPECT_LT(Connect(peer, server), 0) << "nothing listens after Stop()";
  for (int fd : clients) close(fd);
  close(other);
  close(again);
}

TEST(PeerListener, NoLimitHandsOverEveryConnection) {
  SystemClock clock;
  Result<std::unique_ptr<PeerListener>> listener =
      PeerListener::Open("127.0.0.1:0", clock, {.max_connections_per_peer = 0});
  ASSERT_TRUE(listener.ok()) << listener.status().ToString();
  Held held;
  (*listener)->Start(held.Acceptor());
  std::vector<int> clients;
  for (int i = 0; i < 5; ++i) {
    clients.push_back(
        Connect(V4("127.0.0.2", 0), V4("127.0.0.1", (*listener)->port())));
    ASSERT_GE(clients.back(), 0);
  }
  ASSERT_TRUE(WaitFor([&] { return held.size() == 5; }));
  EXPECT_EQ((*listener)->refused(), 0u);
  (*listener)->Stop();
  for (int fd : clients) close(fd);
}

TEST(OpenSocketCookies, ListsOpenConnectionsOfThePortOnly) {
  SystemClock clock;
  Result<std::unique_ptr<PeerListener>> listener =
      PeerListener::Open("127.0.0.1:0", clock, {.max_connections_per_peer = 8});
  ASSERT_TRUE(listener.ok());
  Held held;
  (*listener)->Start(held.Acceptor());
  const int client =
      Connect(V4("127.0.0.1", 0), V4("127.0.0.1", (*listener)->port()));
  ASSERT_GE(client, 0);
  ASSERT_TRUE(WaitFor([&] { return held.size() == 1; }));

  Result<std::unordered_set<uint64_t>> open =
      OpenSocketCookies((*listener)->port());
  ASSERT_TRUE(open.ok()) << open.status().ToString();
  // The server's side of the one connection: the client's socket has
  // another local port and the listening socket is not ESTABLISHED.
  EXPECT_EQ(open->size(), 1u);
  held.CloseOne();
  open = OpenSocketCookies((*listener)->port());
  ASSERT_TRUE(open.ok());
  EXPECT_TRUE(open->empty()) << "a socket closed on our side is not open";
  close(client);
}

bool HaveIpv6Loopback() {
  const int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const sockaddr_storage loopback = V6("::1", 0);
  const bool ok = bind(fd, reinterpret_cast<const sockaddr*>(&loopback),
                       sizeof(sockaddr_in6)) == 0;
  close(fd);
  return ok;
}

// Whether the resolver gives ::1 for "localhost" (not where /etc/hosts
// names only 127.0.0.1).
bool LocalhostHasIpv6() {
  addrinfo hints{};
  hints.ai_family = AF_INET6;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo("localhost", nullptr, &hints, &found) != 0) return false;
  freeaddrinfo(found);
  return true;
}

TEST(PeerListener, ListensLikeGrpcOnEveryAddressForm) {
  SystemClock clock;
  // A wildcard accepts IPv4 peers too (dual stack), counted by their IPv4
  // address.
  Result<std::unique_ptr<PeerListener>> any =
      PeerListener::Open("0.0.0.0:0", clock, {.max_connections_per_peer = 1});
  ASSERT_TRUE(any.ok()) << any.status().ToString();
  Held held;
  (*any)->Start(held.Acceptor());
  const int first =
      Connect(V4("127.0.0.1", 0), V4("127.0.0.1", (*any)->port()));
  ASSERT_GE(first, 0);
  ASSERT_TRUE(WaitFor([&] { return held.size() == 1; }));
  const int second =
      Connect(V4("127.0.0.1", 0), V4("127.0.0.1", (*any)->port()));
  ASSERT_GE(second, 0);
  EXPECT_TRUE(WaitFor([&] { return (*any)->refused() == 1; }));
  if (HaveIpv6Loopback()) {
    const int v6 = Connect(V6("::1", 0), V6("::1", (*any)->port()));
    EXPECT_GE(v6, 0) << "the wildcard listens on IPv6 too";
    EXPECT_TRUE(WaitFor([&] { return held.size() == 2; }))
        << "::1 is another peer than 127.0.0.1";
    close(v6);
  }
  (*any)->Stop();
  close(first);
  close(second);

  // A name is every address it resolves to, on one port.
  Result<std::unique_ptr<PeerListener>> local =
      PeerListener::Open("localhost:0", clock, {});
  ASSERT_TRUE(local.ok()) << local.status().ToString();
  Held held_local;
  (*local)->Start(held_local.Acceptor());
  const int v4 = Connect(V4("127.0.0.1", 0), V4("127.0.0.1", (*local)->port()));
  EXPECT_GE(v4, 0);
  size_t expected = 1;
  int v6 = -1;
  if (HaveIpv6Loopback() && LocalhostHasIpv6()) {
    v6 = Connect(V6("::1", 0), V6("::1", (*local)->port()));
    EXPECT_GE(v6, 0) << "localhost includes ::1 on the same port";
    ++expected;
  }
  EXPECT_TRUE(WaitFor([&] { return held_local.size() == expected; }));
  (*local)->Stop();
  close(v4);
  if (v6 >= 0) close(v6);

  if (HaveIpv6Loopback()) {
    Result<std::unique_ptr<PeerListener>> v6_only =
        PeerListener::Open("[::1]:0", clock, {});
    ASSERT_TRUE(v6_only.ok()) << v6_only.status().ToString();
    EXPECT_GT((*v6_only)->port(), 0);
  }
}

TEST(PeerListener, BadAddressesAndBusyPortsAreNamed) {
  SystemClock clock;
  for (const char* bad : {"50443", "[::1:0", "::1:0", "127.0.0.1:70000",
                          "127.0.0.1:port", "no-such-host.invalid:0"}) {
    Result<std::unique_ptr<PeerListener>> listener =
        PeerListener::Open(bad, clock, {});
    ASSERT_FALSE(listener.ok()) << bad;
    EXPECT_EQ(listener.status().code(), StatusCode::kInvalidArgument) << bad;
  }
  Result<std::unique_ptr<PeerListener>> first =
      PeerListener::Open("127.0.0.1:0", clock, {});
  ASSERT_TRUE(first.ok());
  const std::string taken = "127.0.0.1:" + std::to_string((*first)->port());
  Result<std::unique_ptr<PeerListener>> second =
      PeerListener::Open(taken, clock, {});
  ASSERT_FALSE(second.ok()) << "no port sharing";
  EXPECT_EQ(second.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(second.status().message().find(taken), std::string::npos)
      << second.status().message();
}

}  // namespace
}  // namespace mamori::service
