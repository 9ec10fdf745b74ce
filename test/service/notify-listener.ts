/**
 * A real AF_UNIX datagram socket listening the way systemd listens on NOTIFY_SOCKET: SO_PASSCRED on, so each
 * datagram carries the sender's PID. The receiver is python3 (test side only).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { findTool, missingToolReason } from './tools.js';

export const python = findTool('python3', ['/usr/bin/python3']);
/** Call once per test file: undefined when the socket tests can run (fails on CI without python3). */
export const listenerSkipReason = (): string | undefined => missingToolReason('python3', python, 'python3');

// Binds the address (a path, or @name for the abstract namespace), prints "ready", then one JSON line per datagram.
const listenerSource = `
import json, socket, struct, sys, time
address = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
s.bind("\\0" + address[1:] if address.startswith("@") else address)
print("ready", flush=True)
while True:
    data, ancillary, _, _ = s.recvmsg(4096, socket.CMSG_SPACE(12))
    pid = None
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
            pid = struct.unpack("iII", payload[:12])[0]
    print(json.dumps({"pid": pid, "message": data.decode(), "receivedMs": time.monotonic() * 1000}), flush=True)
`;

export interface Datagram {
  pid: number;
  message: string;
  /** When the test read it (performance.now(), ms): late by as long as the test's event loop was busy. */
  at: number;
  /** When the socket received it (CLOCK_MONOTONIC, ms): for intervals between datagrams. */
  receivedMs: number;
}

export interface Listener {
  address: string;
  received: Datagram[];
  /** Resolves with the first datagram (after the last one returned) that passes `test`; throws after 45 s. */
  next(test: (d: Datagram) => boolean, what: string, context: () => string): Promise<Datagram>;
  close(): void;
}

let counter = 0;

/** Starts the receiver on a fresh abstract address (as systemd uses); `children` collects it for cleanup. */
export async function listen(children: ChildProcess[]): Promise<Listener> {
  const address = `@edgepipe-test-${process.pid}-${Date.now()}-${counter++}`;
  const child = spawn(python!, ['-c', listenerSource, address], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  const received: Datagram[] = [];
  const waiters: Array<() => void> = [];
  const lines = createInterface({ input: child.stdout! });
  await new Promise<void>((resolve) => lines.once('line', () => resolve()));
  lines.on('line', (line) => {
    received.push({ ...(JSON.parse(line) as Omit<Datagram, 'at'>), at: performance.now() });
    for (const wake of waiters.splice(0)) wake();
  });
  let seen = 0;
  const next = async (test: (d: Datagram) => boolean, what: string, context: () => string): Promise<Datagram> => {
    const deadline = Date.now() + 45_000;
    for (;;) {
      while (seen < received.length) {
        const datagram = received[seen++]!;
        if (test(datagram)) return datagram;
      }
      if (Date.now() > deadline) throw new Error(`no ${what} within 45 s; received ${JSON.stringify(received)}; ${context()}`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 1000).unref();
      });
    }
  };
  return { address, received, next, close: () => child.kill('SIGKILL') };
}
