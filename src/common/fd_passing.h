// Messages with file descriptors attached (SCM_RIGHTS) over SOCK_SEQPACKET sockets.
#pragma once

#include <vector>

#include "cloister/bytes.h"
#include "cloister/result.h"
#include "common/unique_fd.h"

namespace cloister {

inline constexpr std::size_t kMaxPassedFds = 4;

Status send_message(int socket, ByteView message, const std::vector<int>& fds = {});

struct ReceivedMessage {
  Bytes bytes;
  std::vector<UniqueFd> fds;
};
// Receives one message of at most max_size bytes; a truncated message is an
// error, and so is a closed peer (ErrorCode::io_error "peer closed the connection").
Result<ReceivedMessage> receive_message(int socket, std::size_t max_size);

}  // namespace cloister
