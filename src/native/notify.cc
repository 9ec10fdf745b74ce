// sd_notify from the service's own PID: one datagram on the unix socket systemd names in NOTIFY_SOCKET.
//
// Why native: Node has no unix datagram sockets (dgram is UDP only, net is stream only), and spawning
// systemd-notify sends from the child's PID (needs NotifyAccess=all) and blocks up to 5 s on its barrier.
#include "notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "addon.h"

namespace edgepipe {

// notifySocket(socketPath, message): sends `message` as one datagram. A path starting with '@' is in the
// abstract namespace (as systemd documents for NOTIFY_SOCKET). Throws ERR_NOTIFY with errno's text on failure.
Napi::Value NotifySocket(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 2 || !info[0].IsString() || !info[1].IsString()) {
    throw Napi::TypeError::New(env, "notifySocket(path: string, message: string)");
  }
  std::string path = info[0].As<Napi::String>();
  std::string message = info[1].As<Napi::String>();
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(address.sun_path)) {
    throw CodedError(env, "ERR_NOTIFY", "NOTIFY_SOCKET path is empty or too long: " + path);
  }
  std::memcpy(address.sun_path, path.data(), path.size());
  socklen_t length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size());
  if (path[0] == '@') {
    address.sun_path[0] = '\0';
  } else {
    length += 1;  // the terminating NUL of a filesystem path
  }
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw CodedError(env, "ERR_NOTIFY", std::string("socket(AF_UNIX, SOCK_DGRAM): ") + std::strerror(errno));
  ssize_t sent = sendto(fd, message.data(), message.size(), MSG_NOSIGNAL, reinterpret_cast<sockaddr*>(&address), length);
  int error = errno;
  close(fd);
  if (sent < 0) throw CodedError(env, "ERR_NOTIFY", "sendto " + path + ": " + std::strerror(error));
  return env.Undefined();
}

}  // namespace edgepipe
