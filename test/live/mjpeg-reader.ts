/** A test client for multipart MJPEG streams: parses parts (headers + JPEG) as they arrive over a real socket. */
import http from 'node:http';
import sharp from 'sharp';

export interface MjpegPart {
  headers: Record<string, string>;
  jpeg: Buffer;
  /** Date.now() when the part was complete. */
  receivedMs: number;
}

export class MjpegReader {
  readonly parts: MjpegPart[] = [];
  status = 0;
  headers: http.IncomingHttpHeaders = {};
  closed = false;
  /** The body when the answer was not a stream (an error). */
  errorBody = '';
  private buffer = Buffer.alloc(0);
  private readonly request: http.ClientRequest;
  readonly opened: Promise<void>;

  constructor(port: number, target: string, headers: Record<string, string> = {}) {
    let onOpen: () => void = () => undefined;
    let onFail: (error: Error) => void = () => undefined;
    this.opened = new Promise<void>((resolve, reject) => {
      onOpen = resolve;
      onFail = reject;
    });
    this.request = http.get({ host: '127.0.0.1', port, path: target, headers, agent: false }, (response) => {
      this.status = response.statusCode ?? 0;
      this.headers = response.headers;
      onOpen();
      response.on('data', (chunk: Buffer) => {
        if (this.status !== 200) {
          this.errorBody += chunk.toString();
          return;
        }
        this.buffer = Buffer.concat([this.buffer, chunk]);
        this.parse();
      });
      response.on('close', () => (this.closed = true));
      response.on('error', () => (this.closed = true));
    });
    this.request.on('error', (error) => {
      this.closed = true;
      onFail(error);
    });
  }

  private parse(): void {
    for (;;) {
      const headEnd = this.buffer.indexOf('\r\n\r\n');
      if (headEnd < 0) return;
      const head = this.buffer.subarray(0, headEnd).toString('latin1').split('\r\n');
      if (head[0] !== '--edgepipe-frame') throw new Error(`expected the boundary, got ${JSON.stringify(head[0])}`);
      const headers: Record<string, string> = {};
      for (const line of head.slice(1)) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      const length = Number(headers['content-length']);
      const start = headEnd + 4;
      if (this.buffer.byteLength < start + length + 2) return;
      const jpeg = Buffer.from(this.buffer.subarray(start, start + length));
      this.parts.push({ headers, jpeg, receivedMs: Date.now() });
      this.buffer = this.buffer.subarray(start + length + 2);
    }
  }

  close(): void {
    this.request.destroy();
  }
}

/** Decodes a JPEG into RGB pixels; throws when it is not a valid JPEG. */
export async function decodeJpeg(jpeg: Buffer): Promise<{ width: number; height: number; pixel(x: number, y: number): [number, number, number] }> {
  const meta = await sharp(jpeg).metadata();
  if (meta.format !== 'jpeg') throw new Error(`expected a JPEG, got ${meta.format}`);
  const { data, info } = await sharp(jpeg).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return {
    width: info.width,
    height: info.height,
    pixel: (x, y) => {
      const i = (y * info.width + x) * info.channels;
      return [data[i]!, data[i + 1]!, data[i + 2]!];
    },
  };
}

export function near(actual: readonly number[], expected: readonly number[], tolerance: number): boolean {
  return actual.every((v, i) => Math.abs(v - expected[i]!) <= tolerance);
}
