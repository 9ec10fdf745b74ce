/** The process-wide secret registry and the one redaction, and the control-character escapes every printer uses. */
import { describe, expect, it } from 'vitest';
import { printable, printableJson, printableLines } from '../../src/runtime/printable.js';
import { HIDDEN, redact, redactDeep, registerSecret } from '../../src/runtime/secrets.js';

describe('redact', () => {
  it('hides registered values wherever they are, longest first, and ignores values under 3 characters', () => {
    registerSecret('tok-123');
    registerSecret('tok-123-long');
    registerSecret('ab');
    expect(redact("ENOENT: open '/var/tok-123-long/x' and tok-123, ab")).toBe(`ENOENT: open '/var/${HIDDEN}/x' and ${HIDDEN}, ab`);
    expect(redact('nothing here', ['here'])).toBe(`nothing ${HIDDEN}`);
  });

  it('hides the JSON-escaped form and each long line of a multi-line secret', () => {
    registerSecret('-----BEGIN KEY-----\nMIIEvQIBADANBgkqhkiG9w0B\n-----END KEY-----');
    registerSecret('pa"ss\\word');
    expect(redact(JSON.stringify({ e: 'bad pa"ss\\word' }))).toBe(`{"e":"bad ${HIDDEN}"}`);
    expect(redact('line: MIIEvQIBADANBgkqhkiG9w0B')).toBe(`line: ${HIDDEN}`);
  });

  it('copies JSON values with every string and key redacted, in order, without recursion', () => {
    registerSecret('s3cr3t-deep');
    const value = { a: 1, 's3cr3t-deep': ['x s3cr3t-deep', { b: null, c: true }], z: 'ok' };
    expect(redactDeep(value)).toEqual({ a: 1, [HIDDEN]: [`x ${HIDDEN}`, { b: null, c: true }], z: 'ok' });
    expect(Object.keys(redactDeep(value))).toEqual(['a', HIDDEN, 'z']);
    let deep: unknown = 's3cr3t-deep';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    let out = redactDeep(deep);
    for (let i = 0; i < 100_000; i++) out = (out as unknown[])[0];
    expect(out).toBe(HIDDEN);
  });
});

describe('printable', () => {
  it('escapes C0 (tab kept unless asked), DEL and C1; names newline, CR and tab', () => {
    expect(printable('a\u0000b\u001b[1mc\u007fd\u0085e\u009bf\r\ng\th')).toBe('a\\x00b\\x1b[1mc\\x7fd\\x85e\\x9bf\\r\\ng\th');
    expect(printable('g\th', { tabs: false })).toBe('g\\th');
    expect(printable('plain ünïcode → ok')).toBe('plain ünïcode → ok');
  });

  it('keeps JSON valid while escaping what JSON.stringify leaves', () => {
    const json = printableJson(JSON.stringify({ s: 'a\u007fb\u009bc\u2028d' }));
    expect(json).toBe('{"s":"a\\u007fb\\u009bc\\u2028d"}');
    expect(JSON.parse(json)).toEqual({ s: 'a\u007fb\u009bc\u2028d' });
  });

  it('keeps the line breaks of a multi-line message, redacting and escaping each line', () => {
    registerSecret('lines-s3cr3t');
    expect(printableLines('2 problems:\nfile lines-s3cr3t\u0000\nend')).toBe(`2 problems:\nfile ${HIDDEN}\\x00\nend`);
  });
});
