/**
 * Runs commands for one pipeline: rate limit, strict parse, then the PipelineControl. Every payload gets exactly
 * one response and nothing here throws: a control that throws is answered `internal` and logged.
 */
import type { Logger } from '../core/log.js';
import type { CommandError, ControlOutcome, PipelineControl } from './control.js';
import { errorResponse, okResponse, parseCommand, type Command, type CommandResponse } from './protocol.js';
import { RateLimit } from './rate-limit.js';

export interface DispatcherOptions {
  /** Commands accepted per second (token bucket, bursts of as many); the excess is answered `rate_limited`. */
  maxPerSecond: number;
  logger?: Logger;
  /** Monotonic milliseconds (tests). */
  now?: () => number;
}

export interface DispatcherStats {
  /** Payloads handled (every one was answered). */
  received: number;
  /** Carried out. */
  ok: number;
  /** Refused before running: malformed JSON, unknown command, bad arguments, too large. */
  invalid: number;
  /** Refused by the rate limit. */
  rateLimited: number;
  /** Valid, but the pipeline could not do it (not applicable, unavailable, busy, failed, internal). */
  failed: number;
}

export class CommandDispatcher {
  private readonly limit: RateLimit;
  private readonly counters: DispatcherStats = { received: 0, ok: 0, invalid: 0, rateLimited: 0, failed: 0 };
  private reloading = false;

  constructor(
    private readonly control: PipelineControl,
    private readonly options: DispatcherOptions,
  ) {
    this.limit = new RateLimit(options.maxPerSecond, options.now);
  }

  stats(): DispatcherStats {
    return { ...this.counters };
  }

  /** The response to one payload as received. Never rejects. */
  async handle(payload: Uint8Array | string): Promise<CommandResponse> {
    this.counters.received += 1;
    if (!this.limit.take()) {
      this.counters.rateLimited += 1;
      const error: CommandError = { code: 'rate_limited', message: `Expected at most ${this.options.maxPerSecond} commands per second; this one was refused` };
      return errorResponse(null, null, error);
    }
    const parsed = parseCommand(payload);
    if (!parsed.ok) {
      this.counters.invalid += 1;
      // Logged too (the rate limit above bounds how often): whoever sent it may not be reading the responses.
      this.options.logger?.log('warn', `commands: refused (${parsed.error.code}): ${parsed.error.message}`);
      return errorResponse(parsed.id, parsed.command, parsed.error);
    }
    const command = parsed.command;
    let outcome: ControlOutcome;
    try {
      outcome = await this.execute(command);
    } catch (error) {
      this.options.logger?.log('error', `commands: ${command.command} failed: ${(error as Error).stack ?? String(error)}`);
      outcome = { ok: false, error: { code: 'internal', message: `${command.command} failed: ${(error as Error).message}` } };
    }
    if (!outcome.ok) {
      this.counters.failed += 1;
      return errorResponse(command.id ?? null, command.command, outcome.error);
    }
    this.counters.ok += 1;
    try {
      return okResponse(command, this.control.state(), outcome.message);
    } catch (error) {
      return errorResponse(command.id ?? null, command.command, { code: 'internal', message: `state: ${(error as Error).message}` });
    }
  }

  private async execute(command: Command): Promise<ControlOutcome> {
    const { control } = this;
    switch (command.command) {
      case 'pause':
        return control.pause();
      case 'resume':
        return control.resume();
      case 'set_threshold':
        return control.setThreshold(command.setting);
      case 'snapshot':
        if (!control.snapshot) return unavailable('snapshot: no snapshot renderer is configured for this pipeline');
        return control.snapshot();
      case 'reload':
        return this.reload();
    }
  }

  /** One reload at a time per pipeline: a reload can take the health check's seconds. */
  private async reload(): Promise<ControlOutcome> {
    const { control } = this;
    if (!control.reload) return unavailable('reload: this process cannot reload its configuration (only `edgepipe run` can)');
    if (this.reloading) return { ok: false, error: { code: 'busy', message: 'reload: a reload asked by a command is still running' } };
    this.reloading = true;
    try {
      const outcome = await control.reload();
      return outcome.ok ? { ok: true, message: outcome.message } : { ok: false, error: { code: 'failed', message: `reload: ${outcome.message}` } };
    } finally {
      this.reloading = false;
    }
  }
}

function unavailable(message: string): ControlOutcome {
  return { ok: false, error: { code: 'unavailable', message } };
}
