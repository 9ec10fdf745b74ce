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
});
