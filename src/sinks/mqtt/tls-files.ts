/**
 * The PEM files of `tls` (CA, client certificate, key), read once at sink start so a missing or unreadable file
 * is a start error naming the field and the path, not a reconnect loop. Contents are never put in messages.
 */
import { readFile } from 'node:fs/promises';
import type { MqttSinkConfig } from '../../config/types.js';
import { describeFsError } from '../errors.js';

export interface TlsMaterial {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  servername?: string;
  rejectUnauthorized: boolean;
}

const fields = [
  ['ca', 'CERTIFICATE'],
  ['cert', 'CERTIFICATE'],
  ['key', 'PRIVATE KEY'],
] as const;

/** Reads the files named in `tls`; throws one Error listing every field that cannot be used. */
export async function readTlsFiles(tls: NonNullable<MqttSinkConfig['tls']>): Promise<TlsMaterial> {
  const material: TlsMaterial = { rejectUnauthorized: tls.rejectUnauthorized };
  if (tls.serverName !== undefined) material.servername = tls.serverName;
  const problems: string[] = [];
  for (const [field, label] of fields) {
    const file = tls[field];
    if (file === undefined) continue;
    try {
      const bytes = await readFile(file);
      // "-----BEGIN CERTIFICATE-----", "-----BEGIN EC PRIVATE KEY-----", ...: a DER file or a wrong file is caught here.
      if (!bytes.includes('-----BEGIN ') || !bytes.includes(`${label}-----`)) {
        problems.push(`tls.${field} ${file}: not a PEM file (expected a "-----BEGIN ...${label}-----" block)`);
      } else material[field] = bytes;
    } catch (error) {
      problems.push(`tls.${field} ${file}: ${describeFsError(error)}`);
    }
  }
  if (problems.length > 0) throw new Error(problems.join('; '));
  return material;
}

/** Certificate checks of the broker by this client (Node's codes), as opposed to alerts sent by the broker. */
const verifyCodes = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** One line for a TLS failure with what to check, or undefined when `error` is not one. */
export function describeTlsError(error: Error & { code?: unknown }): string | undefined {
  const code = typeof error.code === 'string' ? error.code : '';
  if (verifyCodes.has(code)) return `TLS: the broker certificate was not accepted: ${error.message} (check tls.ca and tls.server_name)`;
  if (!code.startsWith('ERR_SSL') && !/SSL routines|certificate|TLS/u.test(error.message)) return undefined;
  // OpenSSL's "...:SSL routines:ssl3_read_bytes:tlsv13 alert certificate required:file:line:..." -> the reason.
  const reason = /SSL routines:[^:]*:([^:]+):/u.exec(error.message)?.[1] ?? error.message.split('\n')[0]!;
  const hint = /certificate required/u.test(reason)
    ? 'the broker requires a client certificate: set tls.cert and tls.key'
    : /alert (bad|unknown|unsupported) certificate|alert certificate unknown|alert unknown ca|alert decrypt error/u.test(reason)
      ? 'the broker did not accept the client certificate (tls.cert)'
      : /wrong version number|packet length too long/u.test(reason)
        ? 'the port does not speak TLS: use mqtt:// or the TLS port'
        : undefined;
  return `TLS: ${reason}${code ? ` (${code})` : ''}${hint ? `: ${hint}` : ''}`;
}
