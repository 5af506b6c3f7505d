// The daemon's connections that have not yet sent their launch request.
// A client that connects and says nothing (or says it slowly) must not hold
// up anyone else: connections wait here, each with a deadline, until their
// request has arrived whole (a SOCK_SEQPACKET message arrives at once), and
// each user may hold only so many at a time.
#pragma once

#include <poll.h>
#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <map>
#include <vector>

#include "common/unique_fd.h"

namespace cloister::platform {

struct ConnectionLimits {
  std::chrono::milliseconds silent_deadline{5000};  // to send the request, from accept
  std::size_t max_pending = 256;                    // all users together
  std::size_t max_pending_per_user = 16;
};

class PendingConnections {
 public:
  using Clock = std::chrono::steady_clock;
  explicit PendingConnections(ConnectionLimits limits) : limits_(limits) {}

  // Why `uid` may not add another connection now, or empty if it may.
  [[nodiscard]] const char* refusal_for(uid_t uid) const;
  void add(UniqueFd connection, uid_t uid, Clock::time_point now);

  // One pollfd per waiting connection, in the order take_ready() reads them.
  void fill(std::vector<pollfd>& fds) const;
  // The connections whose pollfd (from fill(), starting at `first`) says
  // they are ready, removed from the waiting set; the silent ones whose
  // deadline passed go to `expired`, removed too.
  std::vector<UniqueFd> take_ready(const std::vector<pollfd>& fds, std::size_t first, Clock::time_point now,
                                   std::vector<UniqueFd>& expired);
  // Milliseconds until the nearest deadline (at most `cap`).
  [[nodiscard]] int next_timeout_ms(Clock::time_point now, int cap) const;

 private:
  struct Waiting {
    UniqueFd fd;
    uid_t uid;
    Clock::time_point deadline;
  };
  void forget(uid_t uid);

  ConnectionLimits limits_;
  std::vector<Waiting> waiting_;
  std::map<uid_t, std::size_t> per_user_;
};

// The uid of the process at the other end of a unix socket.
uid_t peer_uid(int socket);

}  // namespace cloister::platform
