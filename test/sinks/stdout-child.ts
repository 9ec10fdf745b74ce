/**
 * Driver for the stdout sink test, bundled with esbuild and run as a child process: writes N predictions
 * through a StdoutSink on the real process.stdout, stops it, and prints its stats as JSON on stderr.
 */
import { StdoutSink } from '../../src/sinks/stdout-sink.js';
import { prediction } from './helpers.js';

const count = Number(process.argv[2] ?? '100');
const sink = new StdoutSink('door', { queue: { maxLines: 100 } });
await sink.start();
let congested = false;
for (let i = 0; i < count; i++) {
  sink.write(prediction(i));
  congested ||= sink.stats().pending > 50;
}
await sink.stop();
process.stderr.write(`${JSON.stringify({ ...sink.stats(), congested })}\n`);
