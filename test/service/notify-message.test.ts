import { describe, expect, it } from 'vitest';
import { formatNotifyMessage, notifySocketAddress, oneLine, watchdogIntervalMs } from '../../src/service/notify-message.js';

describe('sd_notify messages', () => {
  it('writes assignments one per line in a fixed order', () => {
    expect(formatNotifyMessage({ STATUS: 'ok', READY: 1 })).toBe('READY=1\nSTATUS=ok');
    expect(formatNotifyMessage({ STATUS: 'reloading', MONOTONIC_USEC: 12n, RELOADING: 1 })).toBe('RELOADING=1\nMONOTONIC_USEC=12\nSTATUS=reloading');
    expect(formatNotifyMessage({ WATCHDOG: 1 })).toBe('WATCHDOG=1');
  });

  it('keeps STATUS on one line so it cannot inject another assignment', () => {
    expect(formatNotifyMessage({ STATUS: 'bad\nREADY=1\tx' })).toBe('STATUS=bad READY=1 x');
    expect(oneLine('x'.repeat(300), 10)).toBe(`${'x'.repeat(9)}…`);
  });

  it('refuses an empty message', () => {
    expect(() => formatNotifyMessage({})).toThrow('Expected at least one sd_notify field but received none');
  });

  it('maps @name to the abstract namespace and ignores what it cannot use', () => {
    expect(notifySocketAddress('@/org/freedesktop/systemd1/notify/123')).toBe('\0/org/freedesktop/systemd1/notify/123');
    expect(notifySocketAddress('/run/systemd/notify')).toBe('/run/systemd/notify');
    expect(notifySocketAddress('@')).toBeUndefined();
    expect(notifySocketAddress('')).toBeUndefined();
    expect(notifySocketAddress(undefined)).toBeUndefined();
    expect(notifySocketAddress('vsock:2:1234')).toBeUndefined();
  });

  it('pings at half WATCHDOG_USEC, only when the watchdog is for this PID', () => {
    expect(watchdogIntervalMs({ WATCHDOG_USEC: '30000000' }, 42)).toBe(15_000);
    expect(watchdogIntervalMs({ WATCHDOG_USEC: '30000000', WATCHDOG_PID: '42' }, 42)).toBe(15_000);
    expect(watchdogIntervalMs({ WATCHDOG_USEC: '30000000', WATCHDOG_PID: '7' }, 42)).toBeUndefined();
    expect(watchdogIntervalMs({}, 42)).toBeUndefined();
    expect(watchdogIntervalMs({ WATCHDOG_USEC: 'soon' }, 42)).toBeUndefined();
    expect(watchdogIntervalMs({ WATCHDOG_USEC: '0' }, 42)).toBeUndefined();
  });
});
