/** Sinks for predictions: one factory for every kind the configuration names. */
import type { SinkConfig } from '../config/types.js';
import { sinkError } from './errors.js';
import { FileSink } from './file-sink.js';
import { MqttSink } from './mqtt/mqtt-sink.js';
import { StdoutSink } from './stdout-sink.js';
import type { PredictionSink, SinkContext } from './types.js';

export type { PredictionSink, SinkContext, SinkStats } from './types.js';
export { FileSink, type FileSinkOptions } from './file-sink.js';
export { StdoutSink, type StdoutSinkOptions } from './stdout-sink.js';
export { MqttSink, type MqttSinkOptions } from './mqtt/mqtt-sink.js';
export { predictionLine, predictionRecord } from './json-lines.js';

/** The sink a pipeline's `sinks:` entry describes (not started: call start()). */
export function createSink(pipelineName: string, config: SinkConfig, context: SinkContext = {}): PredictionSink {
  switch (config.kind) {
    case 'stdout':
      return new StdoutSink(pipelineName, context);
    case 'file':
      return new FileSink(pipelineName, config, context);
    case 'mqtt':
      return new MqttSink(pipelineName, config, context);
    default:
      throw sinkError(`${pipelineName}/${(config as { kind: string }).kind}`, 'ERR_SINK_INVALID', 'unknown sink kind');
  }
}
