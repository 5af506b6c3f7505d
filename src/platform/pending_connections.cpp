#include "platform/pending_connections.h"

#include <sys/socket.h>

#include <algorithm>

namespace cloister::platform {

const char* PendingConnections::refusal_for(uid_t uid) const {
  if (waiting_.size() >= limits_.max_pending) return "the platform daemon has too many waiting connections";
  auto it = per_user_.find(uid);
  if (it != per_user_.end() && it->second >= limits_.max_pending_per_user)
    return "this user has too many waiting connections to the platform daemon";
  return "";
}

void PendingConnections::add(UniqueFd connection, uid_t uid, Clock::time_point now) {
  ++per_user_[uid];
  waiting_.push_back(Waiting{std::move(connection), uid, now + limits_.silent_deadline});
}

void PendingConnections::fill(std::vector<pollfd>& fds) const {
  for (const auto& waiting : waiting_) fds.push_back(pollfd{waiting.fd.get(), POLLIN, 0});
}

std::vector<UniqueFd> PendingConnections::take_ready(const std::vector<pollfd>& fds, std::size_t first,
                                                     Clock::time_point now, std::vector<UniqueFd>& expired) {
  std::vector<UniqueFd> ready;
  std::vector<Waiting> still;
  for (std::size_t i = 0; i < waiting_.size(); ++i) {
    Waiting& waiting = waiting_[i];
    const short events = first + i < fds.size() ? fds[first + i].revents : 0;
    if (events != 0) {
      forget(waiting.uid);
      ready.push_back(std::move(waiting.fd));
    } else if (now >= waiting.deadline) {
      forget(waiting.uid);
      expired.push_back(std::move(waiting.fd));
    } else {
      still.push_back(std::move(waiting));
    }
  }
  waiting_ = std::move(still);
  return ready;
}

int PendingConnections::next_timeout_ms(Clock::time_point now, int cap) const {
  auto nearest = std::chrono::milliseconds(cap);
  for (const auto& waiting : waiting_) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(waiting.deadline - now);
    nearest = std::min(nearest, std::max(left, std::chrono::milliseconds(0)));
  }
  return static_cast<int>(nearest.count());
}

void PendingConnections::forget(uid_t uid) {
  auto it = per_user_.find(uid);
  if (it != per_user_.end() && --it->second == 0) per_user_.erase(it);
}

uid_t peer_uid(int socket) {
  ucred credentials{};
  socklen_t length = sizeof credentials;
  if (::getsockopt(socket, SOL_SOCKET, SO_PEERCRED, &credentials, &length) != 0)
    return static_cast<uid_t>(-1);
  return credentials.uid;
}

}  // namespace cloister::platform
