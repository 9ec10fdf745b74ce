/**
 * The demo's embedded MQTT broker (aedes, in this process) on 127.0.0.1, so `npm run demo -- --mqtt` needs no
 * other setup. aedes speaks MQTT 3.1.1 only (it refuses MQTT 5 CONNECTs), so the demo's sink uses protocol 4.
 * No persistence: it is for watching the demo, not for keeping messages.
 */
import { createServer, type Server } from 'node:net';
import { Aedes } from 'aedes';
import { EdgepipeError } from '../runtime/errors.js';

export interface EmbeddedBroker {
  port: number;
  url: string;
  close(): Promise<void>;
}

/** Starts listening on 127.0.0.1:`port` (0 = a free port the OS picks). */
export async function startEmbeddedBroker(port: number): Promise<EmbeddedBroker> {
  const broker = await Aedes.createBroker();
  const server: Server = createServer(broker.handle);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'EADDRINUSE' ? 'is taken (another MQTT broker, e.g. mosquitto?)' : code === 'EACCES' ? 'needs privileges' : `cannot be used (${(error as Error).message})`;
    throw new EdgepipeError('ERR_MQTT_PORT', `port ${port} on 127.0.0.1 ${why}: run with --mqtt 0 for a free port, or --mqtt PORT`, { cause: error });
  }
  const address = server.address();
  const bound = address !== null && typeof address === 'object' ? address.port : port;
  return {
    port: bound,
    url: `mqtt://127.0.0.1:${bound}`,
    close: async () => {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
