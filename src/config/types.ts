/**
 * The validated pipeline configuration: what src/config produces from YAML (after defaults, interpolation and
 * checks) and what the engine consumes. Immutable; names are camelCase versions of the YAML keys
 * (`top_k` -> `topK`). The YAML schema (src/config/schema.ts) is the single source of truth for fields,
 * defaults and docs; these types are tested against it.
 */

export interface ConfigFile {
  /** Absolute path of the YAML file. */
  file: string;
  version: 1;
  runtime: RuntimeConfig;
  pipelines: PipelineConfig[];
  /**
   * Paths into this object (`pipelines[0].sinks[1].path`, camelCase keys as here) of values that came from
   * `${...}` references (environment, file, systemd credential). Treat them as secrets: never log or publish
   * them (redactedConfig/redactedConfigDump in src/config/dump.ts replace them).
   */
  secretPaths: string[];
}

export interface RuntimeConfig {
  /** libtensorflowlite_c.so to use (default: EDGEPIPE_TFLITE_LIBRARY, then tfjs-tflite-node). */
  library?: string;
  /** Extra folders with delegate descriptors, after the shipped delegates/. */
  delegateDirs: string[];
  /** Where delegates keep compiled-graph caches and the model probe its verdicts. */
  cacheDir?: string;
  /** How edgepipe run logs (absent: text lines at info, or the command-line options). */
  log?: LogConfig;
  /** The local HTTP endpoint (/healthz, /metrics, /status); absent: off. */
  http?: HttpConfig;
  /** SoC temperature in the stats, and optional throttling. */
  thermal: ThermalConfig;
  /** Seconds a changed or new pipeline has to deliver a prediction after a reload (absent: 30; 0: no check). */
  reloadHealthS?: number;
}

export type LogLevelName = 'debug' | 'info' | 'warn' | 'error';

export interface LogConfig {
  level: LogLevelName;
  format: 'text' | 'json';
  /** Per-module levels; a module is the first word of a message (`pipeline`, `service`, ...). */
  modules: { edgepipe?: LogLevelName; pipeline?: LogLevelName; stats?: LogLevelName; service?: LogLevelName; http?: LogLevelName };
}

export interface ThermalConfig {
  /** thermal_zone types to watch; absent: the board profile's, else all. */
  zones?: string[];
  /** Throttle at or above this °C; absent: never. */
  throttleC?: number;
  throttleMaxFps: number;
  hysteresisC: number;
  intervalS: number;
  /** Prefix of /sys and /proc paths. */
  root: string;
}

export interface HttpConfig {
  /** `host:port`; loopback unless allowRemote. Port 0: chosen by the system. */
  listen: string;
  allowRemote: boolean;
  /** The live view (src/live); absent: on, with the defaults. */
  live?: { enabled: boolean; maxViewers: number; maxFps: number };
  /** The token /api/ routes require (exactly one of the two); required for a non-loopback listen. */
  auth?: { tokenFile?: string; credential?: string };
  /** Connections open at once, 1-1024 (default 64); more are closed on arrival. */
  maxConnections: number;
}

export interface PipelineConfig {
  /** [a-z0-9][a-z0-9_-]{0,62}: becomes part of MQTT topics and file names. Unique across all files. */
  name: string;
  /** Where in the YAML this pipeline starts (file:line:col), for runtime messages. */
  origin: string;
  source: SourceConfig;
  model: ModelConfig;
  preprocess: PreprocessConfig;
  postprocess: PostprocessConfig;
  /** Object filters and the multi-object tracker (detectors only); absent: no tracking. */
  track?: TrackConfig;
  /** Second models on crops of tracked objects (src/cascade); absent: none. */
  cascade?: CascadeConfig[];
  buffer: BufferConfig;
  /** Motion detection before inference (src/motion); absent: none. */
  motion?: MotionConfig;
  /** Keep every Nth frame (1 = all). */
  every: number;
  /** Upper bound on frames entering inference per second; 0 = no bound. */
  maxFps: number;
  /** Seconds between stats reports; 0 = none. */
  statsIntervalS: number;
  /** Polygon zones for tracked objects (src/zones/). */
  zones?: ZoneConfig[];
  /** Directed lines for tracked objects (src/zones/). */
  lines?: LineConfig[];
  sinks: SinkConfig[];
}

/** A zone as validated (src/config/schema-zones.ts); a src/zones ZoneSpec as is. */
export interface ZoneConfig {
  name: string;
  /** At least 3 [x, y] points, in `units`. */
  points: Array<[number, number]>;
  units: 'pixels' | 'fraction';
  classes?: string[];
  anchor: 'bottom_centre' | 'centre';
  minTimeS: number;
  leaveS: number;
  loiterS?: number;
}

/** A directed line A -> B as validated; a src/zones LineSpec as is. */
export interface LineConfig {
  name: string;
  points: [[number, number], [number, number]];
  units: 'pixels' | 'fraction';
  classes?: string[];
  anchor: 'bottom_centre' | 'centre';
  hysteresisPx: number;
}

/** A pipeline's `motion` section (src/config/schema-motion.ts has the meaning of each field). */
export interface MotionConfig {
  enabled: boolean;
  /** Height of the grey copy, 16-720 px. */
  height: number;
  /** Per-pixel difference that counts as changed, 1-255 levels. */
  threshold: number;
  /** Smallest region that counts, fraction of the frame area. */
  minArea: number;
  /** Background update rate per frame, (0, 1]. */
  alpha: number;
  contrast: boolean;
  /** Changed fraction of the frame above which a change is lighting, (0, 1]. */
  lightingLimit: number;
  /** Seconds between inferences without motion while objects are tracked; 0 = never. */
  keepaliveS: number;
  /** What the detector sees on a frame with motion: the whole frame, or a crop per motion region. */
  detectOn: 'frame' | 'regions';
  /** `regions`: more regions than this (1-8) and the frame is inferred whole. */
  maxRegions: number;
  /** `regions`: source pixels added around each region, 0-512. */
  regionMargin: number;
  masks: MotionMaskConfig[];
}

export interface MotionMaskConfig {
  name?: string;
  units: 'pixels' | 'fraction';
  /** Polygon corners [x, y], at least 3. */
  points: [number, number][];
}

export type SourceConfig = ImagesSourceConfig | SyntheticSourceConfig | CameraSourceConfig | SensorSourceConfig;

/** Sources whose frames are windows of samples (src/sources/series) rather than images. */
export type SensorSourceConfig = IioSourceConfig | SerialSourceConfig | MqttSourceConfig | AudioSourceConfig;

export interface ImagesSourceConfig {
  kind: 'images';
  /** A file, a directory (its .jpg/.jpeg/.png/.webp files, sorted) or a glob (`*`, `?`, `**`). */
  path: string;
  /** Start again from the first image after the last. */
  loop: boolean;
  /** Frames per second; 0 = as fast as the pipeline takes them. */
  fps: number;
  /** After the existing files, emit files that appear in the directory later. */
  watch: boolean;
}

export interface SyntheticSourceConfig {
  kind: 'synthetic';
  width: number;
  height: number;
  fps: number;
  /** What the frames show: solid colours cycling, a moving gradient, or noise. */
  pattern: 'colours' | 'gradient' | 'noise';
  /** Stop after this many frames; 0 = never. */
  frames: number;
}

/** Raw formats a camera source can ask ffmpeg for, or `mjpeg` for JPEG frames passed on encoded. */
export type CameraOutput = 'rgb24' | 'gray8' | 'i420' | 'mjpeg';

export interface CameraSourceConfig {
  kind: 'camera';
  /** A V4L2 device (/dev/video0), an rtsp:// or http(s):// URL, a video file, or `lavfi:GRAPH` (tests, demos). */
  input: string;
  /** V4L2 capture format asked of the device; default: the device's. */
  inputFormat?: 'mjpeg' | 'yuyv422';
  /** Output size in pixels; default: the input's. With `command` and a raw `commandOutput`: the size it writes. */
  width?: number;
  height?: number;
  /** Output frames per second; default: the input's. */
  fps?: number;
  /** Files and lavfi: read at the native frame rate (`-re`). */
  realtime: boolean;
  output: CameraOutput;
  rtspTransport: 'tcp' | 'udp';
  /** RTSP/HTTP: connect and read timeout given to ffmpeg, ms. */
  ioTimeoutMs: number;
  /** Files: start again at the end (`-stream_loop -1`); a `finite` command: run it again at its end. */
  loop: boolean;
  /** No frame for this long (ms) after the first = stalled: the producer is restarted. */
  stallTimeoutMs: number;
  /** No first frame within this long (ms) of the producer's start: it is restarted. */
  startTimeoutMs: number;
  restart: CameraRestartConfig;
  /** Another producer instead of ffmpeg, as an argument array (no shell). */
  command?: string[];
  /** What `command` writes on stdout: raw frames of `width` x `height`, or concatenated JPEGs. */
  commandOutput?: 'rgb24' | 'bgr24' | 'gray8' | 'i420' | 'nv12' | 'yuyv' | 'mjpeg';
  /** `command` reads something that ends: its exit 0 after a frame ends the source (or repeats it with `loop`). */
  finite: boolean;  /** ffmpeg may resize frames to the model's input size when nothing reads the full frame (default true). */
  decoderResize: boolean;
}

/** Exponential backoff with jitter between restarts of the producer. */
export interface CameraRestartConfig {
  initialMs: number;
  maxMs: number;
}

/** How a series of samples becomes one model input. */
export interface WindowConfig {
  /** Samples (time steps) per input. */
  length: number;
  /** Samples between the starts of consecutive inputs; absent: `length`. */
  hop?: number;
  normalize: 'none' | 'window' | 'fixed';
  /** `fixed`: one per channel. */
  mean?: number[];
  std?: number[];
  layout: 'steps_channels' | 'channels_steps';
  /** Fraction of missing values above which a window is dropped. */
  maxMissing: number;
}

export interface IioSourceConfig {
  kind: 'iio';
  /** `iio:deviceN` or the device's `name`. */
  device: string;
  /** `accel_x` reads `in_accel_x_raw` (with `_scale`, `_offset`). */
  channels: string[];
  rateHz: number;
  /** Folder holding the `iio:deviceN` folders. */
  root: string;
  /** Read scans from the kernel buffer (/dev/iio:deviceN) instead of polling sysfs. */
  buffered: boolean;
  /** Folder of the character devices (buffered). */
  devRoot: string;
  /** Written to trigger/current_trigger (buffered). */
  trigger?: string;
  window: WindowConfig;
}

export interface SerialSourceConfig {
  kind: 'serial';
  device: string;
  baud: 1200 | 2400 | 4800 | 9600 | 19200 | 38400 | 57600 | 115200 | 230400 | 460800 | 921600;
  format: 'csv' | 'json' | 'nmea';
  /** csv: column names (`_` skips); json: dot paths; nmea: `SENTENCE.N`. */
  fields: string[];
  delimiter: string;
  /** Resample to this rate (latest value per tick); absent: one sample per line. */
  rateHz?: number;
  stallTimeoutMs: number;
  restart: CameraRestartConfig;
  window: WindowConfig;
}

export interface MqttSourceField {
  name: string;
  /** Dot path into the JSON payload; absent: the payload is the number. */
  path?: string;
  /** Only from this topic; absent: any subscribed topic. */
  topic?: string;
}

export interface MqttSourceConfig {
  kind: 'mqtt';
  url: string;
  topics: string[];
  fields: MqttSourceField[];
  qos: 0 | 1;
  clientId?: string;
  username?: string;
  password?: string;
  /** MQTT keepalive, s (a half-open connection is noticed after about 1.5 times this; default 15, as the sinks). */
  keepaliveS: number;
  /** Resample to this rate (latest value per tick); absent: one sample per message. */
  rateHz?: number;
  window: WindowConfig;
}

export interface AudioSourceConfig {
  kind: 'audio';
  /** ALSA device for arecord; absent: `default`. */
  device?: string;
  /** A file decoded by ffmpeg instead of a capture device (absolute after loading). */
  input?: string;
  /** `input` or a `finite` command: start again at the end. */
  loop: boolean;
  /** `input`: deliver at `rateHz` (`-re`); else as fast as the pipeline takes windows. */
  realtime: boolean;
  rateHz: number;
  channels: number;
  format: 'S16_LE' | 'S32_LE' | 'FLOAT_LE' | 'U8';
  /** Another producer of raw samples instead of arecord (argument array, no shell). */
  command?: string[];
  /** `command` reads something that ends: its exit 0 after samples ends the source (or repeats it with `loop`). */
  finite: boolean;
  /** No samples for this long (ms) after the first = stalled: the producer is restarted. */
  stallTimeoutMs: number;
  /** No first samples within this long (ms) of the producer's start: it is restarted. */
  startTimeoutMs: number;
  restart: CameraRestartConfig;
  window: WindowConfig;
}

export interface StateLink {
  /** Output tensor name whose values feed `input` on the next frame. */
  output: string;
  input: string;
}

export interface ModelConfig {
  /** Absolute path of the .tflite file. */
  file: string;
  /** Labels file (one per line); default: labels packed in the model's metadata. */
  labels?: string;
  /** Label line of class 0 (1 for 1001-line ImageNet files with 1000-class models). */
  labelOffset: number;
  /** Delegate chain, 'cpu' last (added when missing). */
  delegates: string[];
  threads: number | 'auto';
  /** Interpreters serving this pipeline (each invokes one frame at a time). */
  pool: number;
  /** `auto`: convert a uint8 model to int8 at start and switch to it when faster and in agreement (src/pipeline/model-optimize.ts). */
  optimize: 'off' | 'auto';
  health: HealthConfig;
  /** Stateful models: outputs fed back into inputs on the next frame (zeros on the first). */
  state: StateLink[];
}

export interface HealthConfig {
  /** Consecutive failed or timed-out invokes before moving to the next delegate of the chain. */
  failures: number;
  /** An invoke slower than this counts as failed (and is abandoned). */
  timeoutMs: number;
  /** Seconds between attempts to return to a better delegate after a failover; 0 = never. */
  reprobeS: number;
}

export type ResizeMode = 'fill' | 'contain' | 'cover';
export type Rotation = 0 | 90 | 180 | 270;
export type Flip = 'none' | 'horizontal' | 'vertical';
export type ColourOrder = 'rgb' | 'bgr' | 'gray';
export type TensorLayout = 'nhwc' | 'nchw';

export interface RegionOfInterest {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface PreprocessConfig {
  resize: ResizeMode;
  /** Letterbox colour for `contain`, RGB 0-255. */
  padColour: [number, number, number];
  roi?: RegionOfInterest;
  rotate: Rotation;
  flip: Flip;
  /** Default: from the model (1 channel -> gray, 3 -> rgb). */
  colour?: ColourOrder;
  /** Default: from the input tensor's shape. */
  layout?: TensorLayout;
  /** Per-channel mean and std on the 0-255 scale; default: the model's metadata, else a mapping to the input's dtype. */
  mean?: number[];
  std?: number[];
}

export type PostprocessConfig =
  | ClassifyConfig
  | DetectSsdConfig
  | DetectYoloConfig
  | PoseConfig
  | SegmentConfig
  | ScalarConfig;

export interface ClassifyConfig {
  kind: 'classify';
  topK: number;
  /** Classes scoring below this are left out (0..1). */
  threshold: number;
  /** Output tensor to read; default the first. */
  output?: string;
  /** How outputs become scores in [0,1] (src/postprocess/scores.ts); default 'auto'. */
  scores?: 'auto' | 'softmax' | 'sigmoid' | 'raw';
}

export interface DetectSsdConfig {
  kind: 'detect-ssd';
  threshold: number;
  maxDetections: number;
  /** Only these labels (or class indices as strings); empty = all. */
  classes: string[];
}

export interface DetectYoloConfig {
  kind: 'detect-yolo';
  threshold: number;
  iou: number;
  maxDetections: number;
  classes: string[];
  /** Whether each box row carries an objectness score before the class scores. */
  objectness: boolean;
  /** Box encoding of the output rows: centre x/y, width/height. Coordinates normalised 0..1 or in input pixels. */
  coordinates: 'normalized' | 'pixels';
}

export interface PoseConfig {
  kind: 'pose';
  /** Keypoints scoring below this are reported with `visible: false`. */
  threshold: number;
}

export interface SegmentConfig {
  kind: 'segment';
  /** Report classes covering at least this fraction of pixels. */
  minFraction: number;
  /** Folder to write a mask PNG per frame into; none = no masks. */
  maskDir?: string;
  /** Newest mask files kept per pipeline; 0 = all. */
  keepMasks: number;
}

export interface ScalarConfig {
  kind: 'scalar';
  /** The value is anomalous below `below` or above `above` (either may be absent). */
  below?: number;
  above?: number;
}

/** One `track.merge_classes` group. */
export interface TrackMergeGroupConfig {
  as?: string;
  classes: string[];
}

/** See src/config/schema-track.ts and src/tracking. Thresholds 0..1, times in ms, areas in source pixels². */
export interface TrackConfig {
  /** Labels or class indices to track; empty = all. */
  classes: string[];
  match: 'class' | 'any';
  highThreshold: number;
  lowThreshold: number;
  newTrackThreshold: number;
  matchIou: number;
  lowMatchIou: number;
  tentativeMatchIou: number;
  minHits: number;
  maxAgeMs: number;
  tentativeMaxAgeMs: number;
  /**
   * Groups of labels or class indices whose overlapping detections are merged before tracking (src/tracking/merge.ts);
   * `as`: the label the group's tracks are reported with (absent when the group was written as a list).
   */
  mergeClasses: TrackMergeGroupConfig[];
  mergeOverlap: number;
  mergeMeasure: 'iou' | 'smaller';
  stationary: { windowMs: number; maxMove: number };
  filters: TrackFilterConfig[];
  masks: TrackMaskConfig[];
  /** `beside`: result keeps every detection; `replace`: result holds only the tracked objects seen in the frame. */
  output: 'beside' | 'replace';
}

/** One `cascade:` entry (src/config/schema-cascade.ts has the meaning of each field). */
export interface CascadeConfig {
  /** The second model's file (absolute after loading). */
  model: string;
  /** Names its results (`secondary.<name>`); absent: from the model file's name (cascadeName). */
  name?: string;
  labels?: string;
  labelOffset: number;
  /** Absent: the pipeline's model.delegates. */
  delegates?: string[];
  /** Labels or class indices of the primary model; at least one. */
  classes: string[];
  /** Fraction of the box's width/height added on each side. */
  margin: number;
  resize: 'fill' | 'contain' | 'cover';
  everyFrames: number;
  /** Area growth factor that triggers a rerun; 0 = never. */
  regrow: number;
  maxPerSecond: number;
  queue: number;
  minScore: number;
}

export interface TrackFilterConfig {
  class?: string;
  minScore?: number;
  minArea?: number;
  maxArea?: number;
  minAspect?: number;
  maxAspect?: number;
}

export interface TrackMaskConfig {
  /** [x, y] corners, at least 3. */
  points: Array<[number, number]>;
  units: 'pixels' | 'fraction';
  classes: string[];
  anchor: 'bottom_centre' | 'centre';
}

export interface BufferConfig {
  /** latest: keep only the newest waiting frame. queue: keep up to `size`, dropping the oldest. */
  policy: 'latest' | 'queue';
  size: number;
}

export type SinkConfig = StdoutSinkConfig | FileSinkConfig | MqttSinkConfig;

export interface StdoutSinkConfig {
  kind: 'stdout';
}

export interface FileSinkConfig {
  kind: 'file';
  /** JSON lines; rotated to path.1, path.2 ... when larger than maxBytes. */
  path: string;
  maxBytes: number;
  /** Rotated files kept. */
  keep: number;
}

/** See docs/mqtt.md. Absent optional fields get run-time defaults (hostname, state directory). */
export interface MqttSinkConfig {
  kind: 'mqtt';
  /** mqtt://host:port or mqtts://host:port. */
  url: string;
  /** Default `edgepipe-<hostname>` (clientIdOf): sinks with the same url, client id, username and TLS share a connection. */
  clientId?: string;
  /** One topic level; default the hostname. */
  deviceId?: string;
  /** Template with {device} and {pipeline}. */
  topic: string;
  /** Template with {device}: retained `online`/`offline`. */
  statusTopic: string;
  qos: 0 | 1;
  retain: boolean;
  /** 5 = MQTT 5, 4 = MQTT 3.1.1. */
  protocol: 5 | 4;
  username?: string;
  password?: string;
  /** For mqtts:// URLs; paths are absolute after validation, files read at sink start. */
  tls?: {
    ca?: string;
    cert?: string;
    key?: string;
    serverName?: string;
    rejectUnauthorized: boolean;
  };
  outbox: MqttOutboxConfig;
  /** Refused messages: publishes before dead-lettering, and the dead-letter file's size before rotation. */
  deadLetter: { maxAttempts: number; maxBytes: number };
  /** Which predictions are published (docs/mqtt.md#modes). */
  mode: 'every' | 'change' | 'interval';
  /** mode interval: seconds between published predictions. */
  intervalS: number;
  /** mode every/change: least ms between published predictions (0 = no limit). */
  minIntervalMs: number;
  /** Classify: a top-class score crossing this is a change. */
  threshold: number;
  events: { enabled: boolean; topic: string; qos: 0 | 1; retain: boolean };
  stats: { enabled: boolean; topic: string; intervalS: number; qos: 0 | 1; retain: boolean };
  pipelineStatus: { enabled: boolean; topic: string };
  /** Retained per zone or line counts; `{name}` in the topic is the zone or line. */
  counts: { enabled: boolean; topic: string };
  homeAssistant: { enabled: boolean; prefix: string };
  /** On events: the annotated frame as a JPEG of at most maxBytes, QoS 0, outside the outbox. */
  snapshots: { enabled: boolean; maxBytes: number; topic: string };
  /** Commands on the command topic, answers on the response topic. */
  commands: { enabled: boolean; topic: string; responseTopic: string; maxPerSecond: number };
  /** Most messages published and not yet acknowledged. */
  inflight: number;
  /** MQTT keepalive, s (a half-open connection is noticed after about 1.5 times this). */
  keepaliveS: number;
  reconnect: MqttReconnectConfig;
}

export interface MqttOutboxConfig {
  /** Default `$STATE_DIRECTORY/mqtt/<pipeline>` (first entry), else `/var/lib/edgepipe/mqtt/<pipeline>`. */
  dir?: string;
  maxBytes: number;
  maxAgeS: number;
}

export interface MqttReconnectConfig {
  initialMs: number;
  maxMs: number;
}
