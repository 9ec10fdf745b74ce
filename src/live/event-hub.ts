/**
 * Server-Sent Events (text/event-stream) of the live view: the state every second, track events, prediction
 * summaries and sensor windows. Bounded in number (503 beyond); a client that does not read (its socket's buffer
 * past MAX_BUFFERED_BYTES) is closed rather than buffered for.
 */
import type http from 'node:http';
import { SECURITY_HEADERS } from './http-util.js';

/** SSE streams open at once. */
export const MAX_EVENT_CLIENTS = 16;
/** Bytes waiting in one client's socket before it is closed as not reading. */
export const MAX_BUFFERED_BYTES = 1024 * 1024;

export class EventHub {
  private readonly clients = new Set<http.ServerResponse>();
  /** Clients closed because they did not read. */
  closedSlow = 0;
  /** Events written, over all clients. */
  sent = 0;

  get size(): number {
    return this.clients.size;
  }

  /** Opens a stream, writing `first` (the state, the recent events) at once; false (nothing written) when MAX_EVENT_CLIENTS are open. */
  open(request: http.IncomingMessage, response: http.ServerResponse, first: ReadonlyArray<HubMessage> = []): boolean {
    if (this.clients.size >= MAX_EVENT_CLIENTS) return false;
    // Exempt from the idle timeout (a quiet stream is fine); bounded in number above.
    request.socket.setTimeout(0);
    response.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/event-stream; charset=utf-8', connection: 'close' });
    // Reconnect after 2 s if the connection drops.
    response.write('retry: 2000\n\n');
    this.clients.add(response);
    const close = (): void => void this.clients.delete(response);
    response.on('close', close);
    request.on('close', close);
    response.on('error', () => response.destroy());
    for (const message of first) this.writeText(response, frame(message.event, message.data, message.id));
    return true;
  }

  /** `id`: the SSE event id (the browser's MessageEvent.lastEventId), for messages a client may see twice. */
  broadcast(event: string, data: unknown, id?: string): void {
    if (this.clients.size === 0) return;
    const text = frame(event, data, id);
    for (const client of this.clients) this.writeText(client, text);
  }

  /** Ends every stream (the server stops). */
  closeAll(): void {
    // Ended, not destroyed: a browser sees a complete response (no network error in its console) and reconnects
    // after `retry`; the endpoint's stop closes the sockets of any that do not drain.
    for (const client of this.clients) client.end();
    this.clients.clear();
  }

  private writeText(client: http.ServerResponse, text: string): void {
    if (client.destroyed) return;
    if (client.writableLength > MAX_BUFFERED_BYTES) {
      this.closedSlow += 1;
      this.clients.delete(client);
      client.destroy();
      return;
    }
    client.write(text);
    this.sent += 1;
  }
}

export interface HubMessage {
  event: string;
  data: unknown;
  id?: string;
}

/** One SSE message; the data is one line of JSON (JSON.stringify escapes newlines); ids are ours (no newline). */
function frame(event: string, data: unknown, id?: string): string {
  return `${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}
