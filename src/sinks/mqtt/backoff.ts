/**
 * Reconnect delays: exponential from `initialMs` doubling to `maxMs`, with "equal jitter" (a random value in
 * [d/2, d]) so that a fleet of boards does not reconnect in step after a broker restart. MQTT.js itself only
 * retries at a fixed period (FACTS.md), so the sink sets `reconnectPeriod: 0` and uses this instead.
 */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly initialMs: number,
    private readonly maxMs: number,
    private readonly random: () => number = Math.random,
  ) {}

  /** The delay before the next attempt, ms; grows with each call until reset(). */
  next(): number {
    const ceiling = Math.min(this.maxMs, this.initialMs * 2 ** Math.min(this.attempt, 30));
    this.attempt += 1;
    return Math.round(ceiling / 2 + (this.random() * ceiling) / 2);
  }

  /** The longest delay (jittered), and every next() stays there until reset(): after a refusal that retrying soon cannot fix. */
  longest(): number {
    this.attempt = 31;
    return this.next();
  }

  /** After a successful connection. */
  reset(): void {
    this.attempt = 0;
  }
}
