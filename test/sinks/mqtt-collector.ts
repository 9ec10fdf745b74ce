/** A test subscriber that records every message matching a filter with its topic and retain flag. */
import { connect, type MqttClient } from 'mqtt';

export interface Received {
  topic: string;
  payload: Buffer;
  retain: boolean;
}

export class Collector {
  readonly messages: Received[] = [];

  private constructor(readonly client: MqttClient) {}

  static async start(url: string, filters: string[]): Promise<Collector> {
    const client = connect(url, { protocolVersion: 5, reconnectPeriod: 200 });
    const collector = new Collector(client);
    client.on('message', (topic, payload, packet) => collector.messages.push({ topic, payload, retain: packet.retain }));
    client.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => client.subscribe(filters, { qos: 1 }, (error) => (error ? reject(error) : resolve())));
    });
    return collector;
  }

  /** Messages on `topic` (or every topic matching `test`), as text. */
  on(topic: string | ((topic: string) => boolean)): string[] {
    const test = typeof topic === 'string' ? (t: string) => t === topic : topic;
    return this.messages.filter((m) => test(m.topic)).map((m) => m.payload.toString('utf8'));
  }

  /** Waits until `ready()` holds (polling; at most `timeoutMs`, then throws naming `what`). */
  async until(ready: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!ready()) {
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  publish(topic: string, payload: string): Promise<void> {
    return new Promise((resolve, reject) => this.client.publish(topic, payload, { qos: 1 }, (error) => (error ? reject(error) : resolve())));
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.client.end(true, {}, () => resolve()));
  }
}
