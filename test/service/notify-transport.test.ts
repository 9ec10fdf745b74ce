import { readdirSync, readlinkSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NativeSocketTransport, NullTransport, transportFromEnv } from '../../src/service/notify-transport.js';

describe('transportFromEnv', () => {
  it('is silent outside systemd', () => {
    const choice = transportFromEnv({});
    expect(choice.transport).toBeInstanceOf(NullTransport);
    expect(choice.warning).toBeUndefined();
  });

  it('sends natively to NOTIFY_SOCKET and unsets it for child processes', () => {
    const env: NodeJS.ProcessEnv = { NOTIFY_SOCKET: '@/org/freedesktop/systemd1/notify' };
    const choice = transportFromEnv(env);
    expect(choice.transport).toBeInstanceOf(NativeSocketTransport);
    expect(choice.transport.description).toBe('unix datagram socket @/org/freedesktop/systemd1/notify');
    expect(env).toEqual({});
    choice.transport.close();
  });

  it('refuses an address that is neither a path nor abstract', () => {
    expect(transportFromEnv({ NOTIFY_SOCKET: 'relative.sock' }).warning).toBe(
      'Expected an absolute path or @name for NOTIFY_SOCKET but received "relative.sock"',
    );
  });

  it('reports a socket that is not there as a failed send, never a throw', () => {
    const transport = new NativeSocketTransport('/nonexistent/notify.sock');
    expect(transport.send('READY=1')).toBe(false);
    expect(transport.lastError).toContain('No such file or directory');
  });

  it('opens one socket at construction and keeps it: a send needs no new descriptor; close() releases it', () => {
    const sockets = (): string[] =>
      readdirSync('/proc/self/fd').flatMap((fd) => {
        try {
          return [readlinkSync(`/proc/self/fd/${fd}`)];
        } catch {
          return []; // the directory's own descriptor, gone by now
        }
      }).filter((target) => target.startsWith('socket:'));
    const before = sockets();
    const transport = new NativeSocketTransport('@edgepipe-test-nobody-listens');
    const opened = sockets().filter((s) => !before.includes(s));
    expect(opened).toHaveLength(1);
    for (let i = 0; i < 100; i += 1) expect(transport.send('WATCHDOG=1')).toBe(false); // nobody listens: ECONNREFUSED
    expect(transport.lastError).toBe('sendto @edgepipe-test-nobody-listens: Connection refused');
    expect(transport.opened).toBe(1);
    expect(sockets().filter((s) => !before.includes(s))).toEqual(opened);
    transport.close();
    expect(sockets().filter((s) => !before.includes(s))).toEqual([]);
    expect(transport.send('WATCHDOG=1')).toBe(false);
  });
});
