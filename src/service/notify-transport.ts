/**
 * How a notify datagram leaves the process.
 *
 * Node 20 core cannot open an AF_UNIX SOCK_DGRAM socket (`net` is stream-only, `dgram` is udp4/udp6 only), and
 * the kernel stamps each datagram with the PID of the process that sends it (SCM_CREDENTIALS), so a helper child
 * (`systemd-notify`, python, socat) is seen as another PID and is refused under `NotifyAccess=main`. The addon we
 * already build (src/native/notify.cc) sends the datagram from this process.
 */
import { isNativeError, nativeAddon } from '../runtime/native.js';

export interface NotifyTransport {
  /** Sends one datagram; returns false when it could not be sent (counted by the notifier, never thrown). */
  send(message: string): boolean;
  close(): void;
  /** What it is, for the log line at start. */
  readonly description: string;
}

/**
 * One datagram per message to the NOTIFY_SOCKET address ('@' = abstract namespace), from this PID, on ONE socket
 * opened by the constructor and kept until close(). A ping never needs a new file descriptor: issue 11 measured
 * watchdog pings stopping for 32 s (EMFILE at socket()) while 20,000 idle HTTP connections held every descriptor.
 * If the socket cannot be opened at start, each send tries again.
 */
export class NativeSocketTransport implements NotifyTransport {
  readonly description: string;
  private closed = false;
  private fd: number | undefined;
  /** The last open or send error, for diagnostics. */
  lastError: string | undefined;
  /** Sockets opened: 1 for the process's life unless the first open failed. */
  opened = 0;

  constructor(private readonly address: string) {
    this.description = `unix datagram socket ${address}`;
    this.open();
  }

  send(message: string): boolean {
    if (this.closed) return false;
    const fd = this.fd ?? this.open();
    if (fd === undefined) return false;
    try {
      nativeAddon().notifySend(fd, this.address, message);
      return true;
    } catch (error) {
      // systemd gone or its queue full (EAGAIN: the send never blocks): the message is lost; sd_notify does not
      // retry either.
      this.lastError = errorText(error);
      return false;
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.fd !== undefined) nativeAddon().notifyClose(this.fd);
    this.fd = undefined;
  }

  private open(): number | undefined {
    try {
      this.fd = nativeAddon().notifyOpen();
      this.opened += 1;
      return this.fd;
    } catch (error) {
      this.lastError = errorText(error);
      return undefined;
    }
  }
}

function errorText(error: unknown): string {
  return isNativeError(error) ? error.message : String(error);
}

/** Sends nothing: not under systemd. */
export class NullTransport implements NotifyTransport {
  readonly description = 'none';
  send(): boolean {
    return false;
  }
  close(): void {}
}

export interface TransportChoice {
  transport: NotifyTransport;
  /** Why nothing will be sent although systemd asked for notifications (for a warning), if so. */
  warning?: string;
}

/**
 * Picks the transport from the environment and removes NOTIFY_SOCKET from `env` (like sd_notify's
 * unset_environment), so child processes (model probes, ffmpeg) do not try to notify.
 */
export function transportFromEnv(env: NodeJS.ProcessEnv = process.env): TransportChoice {
  const socket = env['NOTIFY_SOCKET'];
  delete env['NOTIFY_SOCKET'];
  if (socket === undefined || socket === '') return { transport: new NullTransport() };
  if (!socket.startsWith('/') && !socket.startsWith('@')) {
    return { transport: new NullTransport(), warning: `Expected an absolute path or @name for NOTIFY_SOCKET but received "${socket}"` };
  }
  return { transport: new NativeSocketTransport(socket) };
}
