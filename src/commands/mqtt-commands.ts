/**
 * Commands over MQTT for one pipeline: subscribes to its command topic through a CommandChannel (the shared MQTT
 * connection in production), hands each message on exactly that topic to a CommandDispatcher and publishes the
 * response on the response topic. Messages on other topics (a shared connection delivers every subscription's)
 * are ignored and counted. Responses in flight are bounded; the excess is dropped and counted.
 */
import type { Logger } from '../core/log.js';
import type { PipelineControl } from './control.js';
import { CommandDispatcher, type DispatcherStats } from './dispatcher.js';

/** The part of an MQTT connection commands need, so any client (the sink's shared one, a test's) can carry them. */
export interface CommandChannel {
  subscribe(filter: string, onMessage: (topic: string, payload: Buffer) => void): Promise<void>;
  publish(topic: string, payload: string): Promise<void>;
  /** Optional: called by stop(); without it, messages after stop() are ignored. */
  unsubscribe?(filter: string): Promise<void>;
}

export interface CommandOptions {
  /** false: nothing is subscribed, no command is accepted. */
  enabled: boolean;
  /** Template with `{device}` and `{pipeline}`; no wildcards. */
  topic: string;
  /** Template with `{device}` and `{pipeline}`; must differ from `topic`. */
  responseTopic: string;
  /** Commands accepted per second per pipeline (1..1000). */
  maxPerSecond: number;
}

export const DEFAULT_COMMAND_OPTIONS: CommandOptions = {
  enabled: true,
  topic: 'edgepipe/{device}/{pipeline}/commands',
  responseTopic: 'edgepipe/{device}/{pipeline}/responses',
  maxPerSecond: 5,
};

/** Responses waiting for their PUBACK at once; more are dropped (counted) rather than queued without bound. */
export const MAX_RESPONSES_IN_FLIGHT = 32;

export interface MqttCommandStats extends DispatcherStats {
  /** Messages on a topic other than the command topic. */
  ignored: number;
  /** Responses not published: too many in flight, or the publish failed. */
  responsesDropped: number;
}

export interface MqttCommandsContext {
  device: string;
  pipeline: string;
  logger?: Logger;
  /** Monotonic milliseconds for the rate limit (tests). */
  now?: () => number;
}

function fill(template: string, context: MqttCommandsContext): string {
  return template.replaceAll('{device}', context.device).replaceAll('{pipeline}', context.pipeline);
}

/** Why `topic` (filled from `field`) cannot carry commands, or undefined. */
function topicProblem(field: string, template: string, topic: string): string | undefined {
  if (topic === '') return `Expected a topic for ${field} but received an empty string`;
  if (/[+#]/u.test(topic)) return `Expected a topic without wildcards (+, #) for ${field} but received ${JSON.stringify(template)}`;
  if (/[\u0000-\u001f]/u.test(topic)) return `Expected a topic without control characters for ${field} but received ${JSON.stringify(template)}`;
  if (topic.startsWith('$')) return `Expected a topic not starting with $ (reserved by brokers) for ${field} but received ${JSON.stringify(template)}`;
  if (Buffer.byteLength(topic) > 65535) return `Expected a topic of at most 65535 bytes for ${field}`;
  return undefined;
}

export class MqttCommands {
  readonly topic: string;
  readonly responseTopic: string;
  private readonly dispatcher: CommandDispatcher | undefined;
  private readonly counters = { ignored: 0, responsesDropped: 0 };
  private readonly inFlight = new Set<Promise<void>>();
  private stopped = false;

  private constructor(
    private readonly channel: CommandChannel,
    control: PipelineControl,
    private readonly options: CommandOptions,
    private readonly context: MqttCommandsContext,
  ) {
    this.topic = fill(options.topic, context);
    this.responseTopic = fill(options.responseTopic, context);
    const problem =
      topicProblem('commands.topic', options.topic, this.topic) ?? topicProblem('commands.response_topic', options.responseTopic, this.responseTopic);
    if (problem) throw new RangeError(problem);
    // Our own responses would come back as commands, each answered with an error, forever.
    if (this.topic === this.responseTopic) {
      throw new RangeError(`Expected commands.response_topic to differ from commands.topic but both are ${JSON.stringify(this.topic)}`);
    }
    this.dispatcher = options.enabled
      ? new CommandDispatcher(control, { maxPerSecond: options.maxPerSecond, ...(context.logger ? { logger: context.logger } : {}), ...(context.now ? { now: context.now } : {}) })
      : undefined;
  }

  /**
   * Validates the options (RangeError naming the field), then subscribes when enabled. Resolves once the
   * subscription is acknowledged, so a command published after that is handled.
   */
  static async start(channel: CommandChannel, control: PipelineControl, options: CommandOptions, context: MqttCommandsContext): Promise<MqttCommands> {
    const commands = new MqttCommands(channel, control, options, context);
    if (options.enabled) await channel.subscribe(commands.topic, (topic, payload) => commands.onMessage(topic, payload));
    return commands;
  }

  get enabled(): boolean {
    return this.dispatcher !== undefined;
  }

  stats(): MqttCommandStats {
    const base = this.dispatcher?.stats() ?? { received: 0, ok: 0, invalid: 0, rateLimited: 0, failed: 0 };
    return { ...base, ...this.counters };
  }

  private onMessage(topic: string, payload: Buffer): void {
    if (this.stopped || !this.dispatcher) return;
    if (topic !== this.topic) {
      this.counters.ignored += 1;
      return;
    }
    const done = this.dispatcher
      .handle(payload)
      .then((response) => this.respond(JSON.stringify(response)))
      .catch((error: unknown) => this.context.logger?.log('error', `commands ${this.context.pipeline}: ${(error as Error).message}`));
    const tracked = done.finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  private async respond(text: string): Promise<void> {
    if (this.inFlight.size > MAX_RESPONSES_IN_FLIGHT) {
      this.counters.responsesDropped += 1;
      return;
    }
    try {
      await this.channel.publish(this.responseTopic, text);
    } catch (error) {
      this.counters.responsesDropped += 1;
      this.context.logger?.log('warn', `commands ${this.context.pipeline}: response not published on ${this.responseTopic}: ${(error as Error).message}`);
    }
  }

  /** Resolves when every command received so far has been answered (or its response dropped). */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /**
   * Stops handling new messages and unsubscribes (when the channel can). Does not wait for commands in progress:
   * a reload asked by a command may be what is stopping this pipeline; its response is still published.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.dispatcher) await this.channel.unsubscribe?.(this.topic).catch(() => undefined);
  }
}
