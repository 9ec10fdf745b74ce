/**
 * Authentication of the live view over real HTTP: bearer token, the login cookie flow, 401 for wrong or missing
 * tokens on every /api route, the brute-force brake, and the token's sources (file, systemd credential).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Authenticator, readToken, SESSION_COOKIE, tokenMatches } from '../../src/live/auth.js';
import { postJson, request, startLive, until, type LiveSetup } from './live-harness.js';

const TOKEN = 'correct-horse-battery-staple-42';
let setup: LiveSetup;

beforeAll(async () => {
  setup = await startLive({ token: TOKEN, noSensor: true });
}, 90_000);
afterAll(async () => setup?.stop());

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('with runtime.http.auth', () => {
  it('refuses every /api route without a token (401), the static page stays open', async () => {
    for (const [method, target] of [
      ['GET', '/api/state'],
      ['GET', '/api/events'],
      ['GET', '/api/pipelines/cam/stream.mjpeg'],
      ['GET', '/api/pipelines/cam/frame.jpg'],
      ['POST', '/api/pipelines/cam/pause'],
      ['POST', '/api/validate'],
      ['GET', '/api/snapshots/00000000000000000000000000000000.jpg'],
    ] as const) {
      const answer = method === 'POST' ? await postJson(setup.port, target, {}) : await request(setup.port, method, target);
      expect([answer.status, answer.json().error], target).toEqual([401, 'authentication required']);
    }
    expect((await request(setup.port, 'GET', '/')).status).toBe(200);
    expect((await request(setup.port, 'GET', '/api/whoami')).json()).toEqual({ auth_required: true, authenticated: false });
    expect(setup.supervisor.pipelines()[0]!.peek().paused).toBeUndefined();
  });

  it('a wrong token is refused (401), the right one accepted (200), whatever the length', async () => {
    for (const wrong of ['', 'x', TOKEN.slice(0, -1), `${TOKEN}x`, TOKEN.toUpperCase(), 'a'.repeat(5000)]) {
      expect((await request(setup.port, 'GET', '/api/state', { headers: bearer(wrong) })).status, wrong.slice(0, 20)).toBe(401);
    }
    const ok = await request(setup.port, 'GET', '/api/state', { headers: bearer(TOKEN) });
    expect(ok.status).toBe(200);
    expect(ok.json<{ pipelines: unknown[] }>().pipelines).toHaveLength(1);
    expect((await request(setup.port, 'GET', '/api/whoami', { headers: bearer(TOKEN) })).json()).toEqual({ auth_required: true, authenticated: true });
  });

  it('logs in with the token for an HttpOnly SameSite=Strict session cookie that then opens the API', async () => {
    const wrong = await postJson(setup.port, '/api/login', { token: 'nope' });
    expect([wrong.status, wrong.json().error]).toEqual([401, 'wrong token']);
    const login = await postJson(setup.port, '/api/login', { token: TOKEN });
    expect(login.status).toBe(204);
    const cookie = String(login.headers['set-cookie']);
    expect(cookie).toMatch(new RegExp(`^${SESSION_COOKIE}=[0-9a-f]{64}; HttpOnly; SameSite=Strict; Path=/`));
    const session = cookie.split(';')[0]!;
    expect((await request(setup.port, 'GET', '/api/state', { headers: { cookie: session } })).status).toBe(200);
    const paused = await postJson(setup.port, '/api/pipelines/cam/pause', {}, { cookie: session });
    expect([paused.status, paused.json().ok]).toEqual([200, true]);
    expect((await postJson(setup.port, '/api/pipelines/cam/resume', {}, { cookie: session })).status).toBe(200);
    // A made-up session is not one.
    expect((await request(setup.port, 'GET', '/api/state', { headers: { cookie: `${SESSION_COOKIE}=${'0'.repeat(64)}` } })).status).toBe(401);
  });

  it('streams with the token', async () => {
    const frame = await request(setup.port, 'GET', '/api/pipelines/cam/frame.jpg', { headers: bearer(TOKEN) });
    expect([frame.status, frame.headers['content-type']]).toEqual([200, 'image/jpeg']);
  });
});

describe('the token', () => {
  it('is compared as SHA-256 digests with timingSafeEqual: equal-length buffers whatever was sent', () => {
    const expected = createHash('sha256').update(TOKEN).digest();
    expect(tokenMatches(TOKEN, expected)).toBe(true);
    // timingSafeEqual throws on buffers of different lengths: comparing digests means it never sees the raw token.
    for (const given of ['', 'short', `${TOKEN}${TOKEN}`]) expect(tokenMatches(given, expected)).toBe(false);
  });

  it('brakes guessing: after 10 wrong tokens in 10 s, logins are refused (429) until the window passes', () => {
    let now = 0;
    const auth = new Authenticator(TOKEN, () => now);
    for (let i = 0; i < 10; i++) expect(auth.login(`guess-${i}`)).toBe('wrong');
    expect(auth.login(TOKEN)).toBe('throttled');
    now += 10_001;
    expect(auth.login(TOKEN)).toHaveProperty('session');
  });

  it('sessions expire after 12 h', () => {
    let now = 0;
    const auth = new Authenticator(TOKEN, () => now);
    const outcome = auth.login(TOKEN) as { session: string };
    const asked = (cookie: string) => ({ headers: { cookie } }) as unknown as import('node:http').IncomingMessage;
    expect(auth.authenticated(asked(`${SESSION_COOKIE}=${outcome.session}`))).toBe(true);
    now += 12 * 3600 * 1000;
    expect(auth.authenticated(asked(`${SESSION_COOKIE}=${outcome.session}`))).toBe(false);
  });

  it('is read from token_file or $CREDENTIALS_DIRECTORY/NAME, first line, and refused when short or missing', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'edgepipe-token-'));
    writeFileSync(path.join(dir, 'token'), `${TOKEN}\n`);
    expect(readToken({ tokenFile: path.join(dir, 'token') })).toBe(TOKEN);
    mkdirSync(path.join(dir, 'creds'));
    writeFileSync(path.join(dir, 'creds', 'http-token'), `  ${TOKEN}  \r\nsecond line\n`);
    expect(readToken({ credential: 'http-token' }, { CREDENTIALS_DIRECTORY: path.join(dir, 'creds') })).toBe(TOKEN);
    writeFileSync(path.join(dir, 'short'), 'abc\n');
    expect(() => readToken({ tokenFile: path.join(dir, 'short') })).toThrow(
      `runtime.http.auth.token_file: expected a token of at least 16 characters on the first line of ${path.join(dir, 'short')} but it has 3`,
    );
    expect(() => readToken({ tokenFile: path.join(dir, 'absent') })).toThrow(`runtime.http.auth.token_file: cannot read ${path.join(dir, 'absent')}: ENOENT`);
    expect(() => readToken({ credential: 'http-token' }, {})).toThrow(
      'runtime.http.auth.credential: $CREDENTIALS_DIRECTORY is not set (add LoadCredential=http-token:PATH to the unit, or use token_file)',
    );
  });

  it('is never in a log line', async () => {
    await until(() => setup.logger.entries.length > 0, 10_000, 'log lines');
    expect(JSON.stringify(setup.logger.entries)).not.toContain(TOKEN);
  });
});
