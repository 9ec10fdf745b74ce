/**
 * Text from outside (a serial device, a model's op names, an MQTT payload, a file name) made safe to print: control
 * characters become visible escapes instead of reaching a terminal (ESC sequences) or a log (a NUL makes grep
 * treat the journal as binary; a newline splits one event into two). The logger and every CLI printer use these.
 */

import { redact } from './secrets.js';

// C0 controls except tab, DEL, and the C1 controls U+0080-U+009F (terminals act on CSI U+009B too).
const controls = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/gu;
const controlsAndTab = /[\u0000-\u001f\u007f-\u009f]/gu;
const named: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escape(c: string): string {
  return named[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
}

/**
 * `text` with control characters escaped: `\n`, `\r`, `\t` by name, the others as `\xHH` (`\x00`, `\x1b`, `\x9b`).
 * Tabs are kept unless `tabs: false`. The result is one line.
 */
export function printable(text: string, options: { tabs?: boolean } = {}): string {
  return text.replace(options.tabs === false ? controlsAndTab : controls, escape);
}

/**
 * A multi-line text for a terminal (an error with its list of problems): each line redacted (src/runtime/secrets.ts)
 * and made printable, the line breaks kept.
 */
export function printableLines(text: string): string {
  return text
    .split(/\r?\n/)
    .map((line) => printable(redact(line)))
    .join('\n');
}

// What JSON.stringify leaves as it is but a terminal or a line-based reader would act on: DEL, C1, and the
// line and paragraph separators U+2028/U+2029.
const jsonLeftovers = /[\u007f-\u009f\u2028\u2029]/gu;

/** A JSON text with DEL, C1 and U+2028/U+2029 written as `\u00XX` escapes too (still the same JSON value). */
export function printableJson(json: string): string {
  return json.replace(jsonLeftovers, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
