// sd_notify from the service's own PID: one datagram on the unix socket systemd names in NOTIFY_SOCKET.
//
// Why native: Node has no unix datagram sockets (dgram is UDP only, net is stream only), and spawning
// systemd-notify sends from the child's PID (needs NotifyAccess=all) and blocks up to 5 s on its barrier.
//
// Why one socket for the process's life (notifyOpen/notifySend): a socket per message needs a free file
// descriptor at every watchdog ping. Issue 11 measured 20,000 idle HTTP connections exhausting the descriptors:
// socket() failed with EMFILE and pings stopped for 32 s while frames still flowed, so systemd would have killed
// a working service. An unconnected socket opened at start sends with sendto() and needs no new descriptor.
#include "notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <string>

#include "addon.h"

namespace edgepipe {
namespace {

// Fills `address` for a path or '@name' (abstract namespace); returns the address length, 0 when unusable.
socklen_t NotifyAddress(const std::string& path, sockaddr_un* address) {
  *address = sockaddr_un{};
  address->sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(address->sun_path)) return 0;
  std::memcpy(address->sun_path, path.data(), path.size());
  socklen_t length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size());
  if (path[0] == '@') {
    address->sun_path[0] = '\0';
  } else {
    length += 1;  // the terminating NUL of a filesystem path
  }
  return length;
}

// MSG_DONTWAIT: when systemd's queue is full the message is lost (EAGAIN) instead of blocking the event loop.
void SendTo(Napi::Env env, int fd, const std::string& path, const std::string& message) {
  sockaddr_un address;
  socklen_t length = NotifyAddress(path, &address);
  if (length == 0) throw CodedError(env, "ERR_NOTIFY", "NOTIFY_SOCKET path is empty or too long: " + path);
  ssize_t sent = sendto(fd, message.data(), message.size(), MSG_NOSIGNAL | MSG_DONTWAIT,
                        reinterpret_cast<sockaddr*>(&address), length);
  if (sent < 0) throw CodedError(env, "ERR_NOTIFY", "sendto " + path + ": " + std::strerror(errno));
}

int OpenDatagramSocket(Napi::Env env) {
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw CodedError(env, "ERR_NOTIFY", std::string("socket(AF_UNIX, SOCK_DGRAM): ") + std::strerror(errno));
  return fd;
}

}  // namespace

// notifySocket(socketPath, message): a socket for one datagram. A path starting with '@' is in the abstract
// namespace (as systemd documents for NOTIFY_SOCKET). Throws ERR_NOTIFY with errno's text on failure.
Napi::Value NotifySocket(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 2 || !info[0].IsString() || !info[1].IsString()) {
    throw Napi::TypeError::New(env, "notifySocket(path: string, message: string)");
  }
  std::string path = info[0].As<Napi::String>();
  std::string message = info[1].As<Napi::String>();
  int fd = OpenDatagramSocket(env);
  try {
    SendTo(env, fd, path, message);
  } catch (...) {
    close(fd);
    throw;
  }
  close(fd);
  return env.Undefined();
}

// notifyOpen() -> fd: an unconnected AF_UNIX datagram socket, close-on-exec, to be kept for the process's life.
Napi::Value NotifyOpen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return Napi::Number::New(env, OpenDatagramSocket(env));
}

// notifySend(fd, socketPath, message): one datagram on a socket from notifyOpen(); no descriptor is created.
Napi::Value NotifySend(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 3 || !info[0].IsNumber() || !info[1].IsString() || !info[2].IsString()) {
    throw Napi::TypeError::New(env, "notifySend(fd: number, path: string, message: string)");
  }
  SendTo(env, info[0].As<Napi::Number>().Int32Value(), info[1].As<Napi::String>(), info[2].As<Napi::String>());
  return env.Undefined();
}

// notifyClose(fd): closes a socket from notifyOpen().
Napi::Value NotifyClose(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 1 || !info[0].IsNumber()) throw Napi::TypeError::New(env, "notifyClose(fd: number)");
  close(info[0].As<Napi::Number>().Int32Value());
  return env.Undefined();
}

}  // namespace edgepipe
