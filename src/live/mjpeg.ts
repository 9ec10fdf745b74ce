/**
 * A multipart MJPEG stream (multipart/x-mixed-replace, which browsers show in an <img>) of one pipeline's annotated
 * frames. A viewer whose socket has not drained the previous frame misses the next one (counted): a slow network
 * gets fewer frames, never a growing buffer. Each part carries X-Frame-Id and X-Capture-Time (Date.now() at capture,
 * ms) so a client can measure the delay from capture to display.
 */
import type http from 'node:http';
import type { EncodedFrame, FrameTap, FrameViewer } from './frame-tap.js';
import { SECURITY_HEADERS } from './http-util.js';

export const MJPEG_BOUNDARY = 'edgepipe-frame';
/** A viewer that has not drained for this long is closed, freeing its place under max_viewers, ms. */
export const STALLED_VIEWER_MS = 30_000;

/** Starts streaming `tap`'s frames at `fps` to `response` until the client goes away. */
export function streamMjpeg(request: http.IncomingMessage, response: http.ServerResponse, tap: FrameTap, fps: number, onEnd: () => void): void {
  // A stream is exempt from the endpoint's idle timeout (it would cut it after 10 s without a frame, e.g. while
  // paused); the number of streams is bounded by max_viewers instead.
  request.socket.setTimeout(0);
  request.socket.setNoDelay(true);
  response.writeHead(200, {
    ...SECURITY_HEADERS,
    'content-type': `multipart/x-mixed-replace; boundary=${MJPEG_BOUNDARY}`,
    connection: 'close',
  });
  // Now, not with the first part: a paused pipeline may send none for a long time.
  response.flushHeaders();
  let stalledSince: number | undefined;
  const viewer: FrameViewer = {
    intervalMs: 1000 / fps,
    nextAtMs: performance.now(),
    deliver(frame: EncodedFrame) {
      if (response.destroyed) return;
      if (response.writableNeedDrain) {
        tap.skipped += 1;
        stalledSince ??= performance.now();
        if (performance.now() - stalledSince > STALLED_VIEWER_MS) response.destroy();
        return;
      }
      stalledSince = undefined;
      const head =
        `--${MJPEG_BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: ${frame.jpeg.byteLength}\r\n` +
        `X-Frame-Id: ${frame.frameId}\r\nX-Capture-Time: ${frame.capturedWallMs}\r\n\r\n`;
      response.write(head);
      response.write(frame.jpeg);
      response.write('\r\n');
      tap.sent += 1;
    },
  };
  tap.addViewer(viewer);
  let ended = false;
  const end = (): void => {
    if (ended) return;
    ended = true;
    tap.removeViewer(viewer);
    onEnd();
  };
  response.on('close', end);
  request.on('close', end);
  response.on('error', () => response.destroy());
}
