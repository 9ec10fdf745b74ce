/**
 * Authentication of the live view (docs/live-view.md): one token, read from a file or a systemd credential (never
 * from the command line), given as `Authorization: Bearer TOKEN` or exchanged at POST /api/login for a session
 * cookie. Tokens are compared as SHA-256 digests with crypto.timingSafeEqual: equal lengths whatever was sent,
 * and no early exit that would tell an attacker how many leading characters were right.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type http from 'node:http';
import { EdgepipeError } from '../runtime/errors.js';

export const SESSION_COOKIE = 'edgepipe_session';
/** A session lasts this long from login, ms (12 h). */
export const SESSION_LIFETIME_MS = 12 * 3600 * 1000;
/** Sessions kept at once; a login beyond it ends the oldest one. */
export const MAX_SESSIONS = 64;
/** A token shorter than this is refused at start: a guessable token over HTTP is no protection. */
export const MIN_TOKEN_CHARS = 16;
/** Wrong tokens accepted per window before /api/login answers 429 (a brute-force brake). */
const MAX_FAILURES = 10;
const FAILURE_WINDOW_MS = 10_000;

/** Where the token comes from (runtime.http.auth). */
export interface TokenSource {
  tokenFile?: string;
  credential?: string;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** True when `given` is the token whose digest is `expected`; constant time whatever `given`'s length. */
export function tokenMatches(given: string, expected: Buffer): boolean {
  return timingSafeEqual(digest(given), expected);
}

/**
 * The token from `source`: the first line of the file, without surrounding white space. Throws ERR_CONFIG naming
 * the field when it cannot be read or is shorter than MIN_TOKEN_CHARS (never with the token in the message).
 */
export function readToken(source: TokenSource, env: NodeJS.ProcessEnv = process.env): string {
  let file: string;
  let field: string;
  if (source.credential !== undefined) {
    const dir = env['CREDENTIALS_DIRECTORY'];
    field = 'runtime.http.auth.credential';
    if (!dir) throw new EdgepipeError('ERR_CONFIG', `${field}: $CREDENTIALS_DIRECTORY is not set (add LoadCredential=${source.credential}:PATH to the unit, or use token_file)`, { exitCode: 2 });
    file = path.join(dir, source.credential);
  } else if (source.tokenFile !== undefined) {
    field = 'runtime.http.auth.token_file';
    file = source.tokenFile;
  } else {
    throw new EdgepipeError('ERR_CONFIG', 'runtime.http.auth: expected token_file or credential', { exitCode: 2 });
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new EdgepipeError('ERR_CONFIG', `${field}: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { exitCode: 2 });
  }
  const token = (text.split(/\r?\n/)[0] ?? '').trim();
  if (token.length < MIN_TOKEN_CHARS) {
    throw new EdgepipeError('ERR_CONFIG', `${field}: expected a token of at least ${MIN_TOKEN_CHARS} characters on the first line of ${file} but it has ${token.length}`, { exitCode: 2 });
  }
  return token;
}

/** The value of cookie `name` in a Cookie header, or undefined. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export class Authenticator {
  /** Undefined: no auth configured (loopback only), everything is open. */
  private readonly expected: Buffer | undefined;
  /** Session id digest (hex) -> expiry (ms, monotonic); insertion order is age order. */
  private readonly sessions = new Map<string, number>();
  private failures: number[] = [];
  private readonly now: () => number;

  constructor(token: string | undefined, now: () => number = () => performance.now()) {
    this.expected = token === undefined ? undefined : digest(token);
    this.now = now;
  }

  get required(): boolean {
    return this.expected !== undefined;
  }

  /** Whether the request carries the token or a live session (always true without auth). */
  authenticated(request: http.IncomingMessage): boolean {
    if (!this.expected) return true;
    const header = request.headers.authorization;
    if (header !== undefined) {
      const match = /^Bearer +(\S+)\s*$/i.exec(header);
      return match !== null && tokenMatches(match[1]!, this.expected);
    }
    const session = cookieValue(request.headers.cookie, SESSION_COOKIE);
    if (session === undefined || !/^[0-9a-f]{64}$/.test(session)) return false;
    // Keyed by digest: a lookup's timing tells nothing about the ids that exist.
    const key = digest(session).toString('hex');
    const expires = this.sessions.get(key);
    if (expires === undefined) return false;
    if (expires <= this.now()) {
      this.sessions.delete(key);
      return false;
    }
    return true;
  }

  /**
   * A new session id for a right token; 'wrong' for a wrong one; 'throttled' after too many wrong ones in a short
   * time (the right token then waits too: the brake must not tell which one was right).
   */
  login(token: string): { session: string } | 'wrong' | 'throttled' {
    const now = this.now();
    this.failures = this.failures.filter((t) => now - t < FAILURE_WINDOW_MS);
    if (this.failures.length >= MAX_FAILURES) return 'throttled';
    if (!this.expected || !tokenMatches(token, this.expected)) {
      this.failures.push(now);
      return 'wrong';
    }
    const session = randomBytes(32).toString('hex');
    if (this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
    this.sessions.set(digest(session).toString('hex'), now + SESSION_LIFETIME_MS);
    return { session };
  }

  /** The Set-Cookie header of a session. */
  static cookie(session: string): string {
    return `${SESSION_COOKIE}=${session}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${SESSION_LIFETIME_MS / 1000}`;
  }
}
