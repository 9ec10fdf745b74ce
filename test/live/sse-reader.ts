/** Reads the live view's Server-Sent Events over a real connection: each message's event, id and JSON data. */
import http from 'node:http';

export interface SseMessage {
  event: string;
  id: string | undefined;
  data: Record<string, unknown>;
}

export class SseReader {
  readonly messages: SseMessage[] = [];
  status: number | undefined;
  private readonly req: http.ClientRequest;

  constructor(port: number, headers: Record<string, string> = {}) {
    this.req = http.get({ host: '127.0.0.1', port, path: '/api/events', headers, agent: false }, (res) => {
      this.status = res.statusCode;
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) this.messages.push({ event, id: /^id: (.*)$/m.exec(block)?.[1], data: JSON.parse(data) as Record<string, unknown> });
        }
      });
      res.on('error', () => undefined);
    });
    this.req.on('error', () => undefined);
  }

  /** The `track` messages so far. */
  tracks(): SseMessage[] {
    return this.messages.filter((m) => m.event === 'track');
  }

  close(): void {
    this.req.destroy();
  }
}
