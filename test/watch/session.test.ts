/** The live loop in-process against a real Mosquitto, for what a child process cannot show: a terminal. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'mqtt';
import { predictionSchemaCheck } from '../../src/watch/schema-check.js';
import { watch } from '../../src/watch/session.js';
import { freePort, Mosquitto, mosquittoOrSkip } from '../sinks/mqtt-broker.js';
import { payload } from './payloads.js';

const binary = mosquittoOrSkip();

describe.skipIf(binary === undefined)('watch session', () => {
  let broker: Mosquitto;
  beforeAll(async () => {
    broker = await Mosquitto.start(binary!);
  });
  afterAll(async () => {
    await broker?.stop();
  });

  it('on a terminal it redraws in place (cursor home, clear) and stops when aborted', async () => {
    const screen: string[] = [];
    const messages: string[] = [];
    const halt = new AbortController();
    let done: Promise<number> | undefined;
    const subscribed = new Promise<void>((resolve) => {
      const err = { write: (text: string) => (messages.push(text), text.includes('subscribed to') && resolve()) };
      const out = { isTTY: true, write: (text: string) => (screen.push(text), text.includes('blue 0.99') && halt.abort()) };
      done = watch({ url: broker.url, shownUrl: broker.url, filter: { device: 'tty' }, json: false, once: false, count: 0, timeoutMs: 1000, check: predictionSchemaCheck(), out, err, signal: halt.signal });
    });
    await subscribed;
    const publisher = connect(broker.url);
    await new Promise((resolve) => publisher.once('connect', resolve));
    await publisher.publishAsync('edgepipe/tty/door/predictions', payload(1, 'tty'), { qos: 1 });
    await publisher.endAsync();
    expect(await done).toBe(0);
    expect(screen.length).toBeGreaterThan(0);
    for (const frame of screen) expect(frame.startsWith('\u001b[H\u001b[2J')).toBe(true);
    expect(screen[screen.length - 1]).toMatch(/^\u001b\[H\u001b\[2Jedgepipe watch {2}mqtt:\/\/127\.0\.0\.1:\d+ {2}connected/u);
    expect(messages).toEqual([`edgepipe watch: subscribed to edgepipe/tty/+/predictions and edgepipe/tty/status on ${broker.url}\n`]);
  });
});

describe('watch session without a broker', () => {
  it('the live view reports a refused connection once on stderr, keeps retrying and shows it in the view', async () => {
    const url = `mqtt://127.0.0.1:${await freePort()}`;
    const frames: string[] = [];
    const messages: string[] = [];
    const halt = new AbortController();
    // Three frames need three reconnect attempts (one a second): each one fails the same way.
    const out = { write: (text: string) => (frames.push(text), frames.length >= 3 && halt.abort()) };
    const err = { write: (text: string) => messages.push(text) };
    const code = await watch({ url, shownUrl: url, filter: {}, json: true, once: false, count: 0, timeoutMs: 1000, check: predictionSchemaCheck(), out, err, signal: halt.signal });
    expect(code).toBe(0);
    expect(messages).toEqual([`edgepipe watch: broker ${url}: connect ECONNREFUSED ${url.slice('mqtt://'.length)}; retrying\n`]);
    expect(JSON.parse(frames[frames.length - 1]!)).toMatchObject({ connection: `disconnected: connect ECONNREFUSED ${url.slice('mqtt://'.length)}` });
  });
});
