/** Sources of frames: one factory for every kind the configuration names. */
import type { SourceConfig } from '../config/types.js';
import { CameraSource } from './camera-source.js';
import { sourceError } from './errors.js';
import { ImagesSource } from './images-source.js';
import { SyntheticSource } from './synthetic-source.js';
import { AudioSampleProducer } from './series/audio-source.js';
import { IioProducer } from './series/iio.js';
import { MqttSampleProducer } from './series/mqtt-source.js';
import { SeriesSource } from './series/series-source.js';
import { SerialProducer } from './series/serial.js';
import type { FrameSource, SourceContext } from './types.js';

export type { Clock, FrameSource, SourceContext, SourceState } from './types.js';
export { CameraSource, type CameraStats } from './camera-source.js';
export { ImagesSource } from './images-source.js';
export { SyntheticSource } from './synthetic-source.js';
export { systemClock } from './clock.js';

/**
 * The source a pipeline's `source:` block describes. Problems with what the config points at (a missing path,
 * bad numbers) surface as errors of `frames()`, so the engine handles them like any source failure.
 */
export function createSource(pipelineName: string, config: SourceConfig, context: SourceContext = {}): FrameSource {
  switch (config.kind) {
    case 'images':
      return new ImagesSource(pipelineName, config, context);
    case 'synthetic':
      return new SyntheticSource(pipelineName, config, context);
    case 'camera':
      return new CameraSource(pipelineName, config, context);
    case 'mqtt':
      return new SeriesSource(new MqttSampleProducer(pipelineName, config, context), config.window);
    case 'audio':
      return new SeriesSource(new AudioSampleProducer(pipelineName, config, context), config.window, context.demand);
    case 'iio':
      return new SeriesSource(new IioProducer(pipelineName, config, context), config.window);
    case 'serial':
      return new SeriesSource(new SerialProducer(pipelineName, config, context), config.window);
    default:
      throw sourceError(`${pipelineName}/${(config as { kind: string }).kind}`, 'ERR_SOURCE_INVALID', 'unknown source kind');
  }
}
