/**
 * Schema of the sensor sources (IIO, serial, MQTT, audio) and of the window that turns their sample series into
 * model inputs. Kept apart from the image sources: the two share nothing but `kind`.
 */
import { boolean, integer, list, number, object, oneOf, string } from './schema-dsl.js';

/** A channel name as it appears in messages and stats: lower-case words joined by `_`, `.` or `-`. */
const channelName = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/u;

export const windowSchema = object(
  {
    title: 'Window',
    description:
      'How a series of samples becomes one model input: `length` samples per input, a new input every `hop` samples, ' +
      'optional per-channel normalisation, then quantised to the input tensor\'s type.',
    required: true,
    example: { length: 128, hop: 64, normalize: 'window' },
  },
  {
    length: integer({ description: 'Samples (time steps) in one model input.', min: 1, max: 1048576, required: true, example: 128 }),
    hop: integer({
      description: 'Samples between the starts of consecutive inputs; less than `length` overlaps them. Default: `length` (no overlap).',
      min: 1,
      max: 1048576,
      example: 64,
    }),
    normalize: oneOf(['none', 'window', 'fixed'], {
      description: 'Per-channel normalisation before quantisation.',
      default: 'none',
      meanings: {
        none: 'values as read (after the sensor\'s scale and offset)',
        window: 'subtract each channel\'s mean over the window and divide by its standard deviation',
        fixed: '(value - mean[c]) / std[c] with the `mean` and `std` given here (from training)',
      },
      synonyms: { zscore: 'window', standardize: 'window', standardise: 'window', off: 'none', no: 'none' },
    }),
    mean: list(number({ description: 'Mean of one channel.' }), {
      description: '`normalize: fixed`: one mean per channel, in channel order.',
      minItems: 1,
      example: [0, 0, 9.81],
    }),
    std: list(number({ description: 'Standard deviation of one channel.', min: 0, exclusiveMin: true }), {
      description: '`normalize: fixed`: one standard deviation per channel, in channel order.',
      minItems: 1,
      example: [2, 2, 2],
    }),
    layout: oneOf(['steps_channels', 'channels_steps'], {
      description: 'Order of the values in the input tensor (its element count must be `length` x channels).',
      default: 'steps_channels',
      meanings: {
        steps_channels: 'time-major, e.g. [1, steps, channels]: all channels of step 0, then of step 1, ...',
        channels_steps: 'channel-major, e.g. [1, channels, steps]: all steps of channel 0, then of channel 1, ...',
      },
    }),
    max_missing: number({
      description:
        'Largest fraction (0-1) of values in a window that may be missing (late, unreadable or absent fields; filled ' +
        'with the channel\'s previous value). Windows with more are dropped and counted.',
      min: 0,
      max: 1,
      default: 0.1,
    }),
  },
  [
    {
      run(value, report) {
        if (value.hop !== undefined && value.hop > value.length) {
          report('hop', `is ${value.hop}, more than length ${value.length}: samples between windows would be skipped; use at most ${value.length}`);
        }
        if (value.normalize === 'fixed' && (!value.mean || !value.std)) {
          report(value.mean ? 'std' : 'mean', 'is required with normalize: fixed (one value per channel)');
        }
        if (value.normalize !== 'fixed' && (value.mean || value.std)) {
          report(value.mean ? 'mean' : 'std', 'is only used with normalize: fixed');
        }
        if (value.mean && value.std && value.mean.length !== value.std.length) {
          report('std', `has ${value.std.length} values but mean has ${value.mean.length}; give one per channel in both`);
        }
      },
    },
  ],
);

const restart = object(
  { title: 'Sensor restart', description: 'Backoff between reopening a failed device or producer: doubling from initial_ms to max_ms, with jitter.', default: {} },
  {
    initial_ms: integer({ description: 'First wait before a restart, ms.', min: 0, max: 600000, default: 500 }),
    max_ms: integer({ description: 'Longest wait before a restart, ms.', min: 0, max: 3600000, default: 30000 }),
  },
);

const stallTimeout = (what: string) =>
  integer({ description: `No ${what} for this long (ms) means the device is stalled: it is reopened.`, min: 100, max: 3600000, default: 5000 });

const rateHz = (what: string) =>
  number({
    description:
      `Resample to this many samples per second: each tick takes the latest value of every channel (${what}). ` +
      'None = every message is one sample.',
    min: 0,
    exclusiveMin: true,
    max: 100000,
    example: 50,
  });

const restartCheck = {
  run(value: { restart: { initialMs: number; maxMs: number } }, report: (field: string | undefined, message: string) => void) {
    if (value.restart.maxMs < value.restart.initialMs) report('restart', 'max_ms must be at least initial_ms');
  },
};

export const iioSourceSchema = object(
  {
    title: 'Source: iio',
    description:
      'A Linux Industrial I/O sensor (accelerometer, gyroscope, ADC ...) read through sysfs at a fixed rate: ' +
      '`in_<channel>_raw`, scaled by `_scale` and shifted by `_offset` as the kernel documents.',
    required: true,
  },
  {
    device: string({
      description: 'The device folder name (`iio:device0`) or the device\'s `name` (`lis3dh`, `mpu6050`).',
      required: true,
      example: 'iio:device0',
    }),
    channels: list(
      string({ description: 'A channel: the part between `in_` and `_raw`.', pattern: channelName, expected: 'a channel name such as accel_x' }),
      {
        description: 'Channels to read, in the order the model expects (`accel_x` reads `in_accel_x_raw`).',
        minItems: 1,
        maxItems: 64,
        required: true,
        example: ['accel_x', 'accel_y', 'accel_z'],
      },
    ),
    rate_hz: number({ description: 'Samples per second.', min: 0, exclusiveMin: true, max: 10000, required: true, example: 100 }),
    root: string({
      description: 'Where the IIO devices are. Tests and containers point it elsewhere.',
      path: true,
      default: '/sys/bus/iio/devices',
    }),
    buffered: boolean({
      description:
        "Read whole scans from the device's kernel buffer (`/dev/iio:deviceN`) at the driver's rate, set to `rate_hz`, " +
        'instead of one sysfs read per channel per tick: for rates above ~200 Hz. Needs write access to the device\'s ' +
        'scan_elements and buffer files.',
      default: false,
    }),
    dev_root: string({ description: 'Buffered: the folder of the `iio:deviceN` character devices.', path: true, default: '/dev' }),
    trigger: string({
      description: 'Buffered: a trigger to set in `trigger/current_trigger` (e.g. `hrtimer-0`) for drivers without their own FIFO.',
      example: 'lis3dh-dev0',
    }),
    window: windowSchema,
  },
);

export const serialSourceSchema = object(
  {
    title: 'Source: serial',
    description: 'A line-oriented sensor on a serial port (USB adapters, UARTs): CSV, JSON or NMEA 0183 lines.',
    required: true,
  },
  {
    device: string({ description: 'The serial device.', required: true, example: '/dev/ttyUSB0' }),
    baud: oneOf([1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600], {
      description: 'Line speed in bits per second (8 data bits, no parity, 1 stop bit).',
      default: 115200,
    }),
    format: oneOf(['csv', 'json', 'nmea'], {
      description: 'How each line carries values.',
      required: true,
      meanings: {
        csv: 'values separated by `delimiter`; `fields` name the columns in order (`_` skips one)',
        json: 'one JSON object per line; `fields` are dot paths into it (`accel.x`)',
        nmea: 'NMEA 0183 sentences; `fields` are `SENTENCE.N`, the Nth comma-separated field (`GGA.9`: altitude)',
      },
    }),
    fields: list(string({ description: 'A column name, JSON path or NMEA field.', expected: 'a field name' }), {
      description: 'The values to take from each line, in the order the model expects.',
      minItems: 1,
      maxItems: 64,
      required: true,
      example: ['ax', 'ay', 'az'],
    }),
    delimiter: string({ description: 'CSV only: the separator between values.', pattern: /^.$/u, expected: 'one character', default: ',' }),
    rate_hz: rateHz('a line that did not arrive in time counts as missing'),
    stall_timeout_ms: stallTimeout('line'),
    restart,
    window: windowSchema,
  },
  [
    restartCheck,
    {
      run(value, report) {
        if (value.format === 'csv' && value.fields.every((field) => field === '_')) report('fields', 'skips every column; name at least one');
        if (value.format === 'nmea') {
          const bad = value.fields.find((field) => !/^[A-Z]{3,5}\.[1-9][0-9]?$/u.test(field));
          if (bad !== undefined) report('fields', `has "${bad}"; expected SENTENCE.N for NMEA, e.g. GGA.9`);
        }
      },
    },
  ],
);

export const mqttSourceSchema = object(
  {
    title: 'Source: mqtt',
    description: 'Values published by existing sensors on an MQTT broker, picked from JSON payloads (or plain numbers).',
    required: true,
  },
  {
    url: string({
      description: 'The broker: `mqtt://host:port` or `mqtts://host:port`.',
      pattern: /^mqtts?:\/\/[^\s/]+/u,
      expected: 'an mqtt:// or mqtts:// URL',
      required: true,
      example: 'mqtt://127.0.0.1:1883',
    }),
    topics: list(string({ description: 'A topic filter (`+` and `#` allowed).', pattern: /^[^\u0000-\u001f]+$/u, expected: 'a topic filter' }), {
      description: 'Topic filters to subscribe to.',
      minItems: 1,
      required: true,
      example: ['sensors/machine-4/vibration'],
    }),
    fields: list(
      object(
        { title: 'MQTT source field', description: 'One channel: where its value is in the messages.', required: true },
        {
          name: string({ description: 'The channel name.', pattern: channelName, expected: 'a channel name', required: true, example: 'ax' }),
          path: string({
            description: 'Dot path into the JSON payload (`accel.x`, `values.0`). None = the payload is the number itself.',
            example: 'accel.x',
          }),
          topic: string({ description: 'Take this field only from this topic (exact). None = any subscribed topic.', example: 'sensors/machine-4/vibration' }),
        },
      ),
      { description: 'The channels, in the order the model expects.', minItems: 1, maxItems: 64, required: true },
    ),
    qos: oneOf([0, 1], { description: 'Subscription quality of service.', default: 1 }),
    client_id: string({
      description: 'MQTT client id. None = `edgepipe-<hostname>-<pipeline>-in`.',
      pattern: /^[\x21-\x7e]{1,128}$/u,
      expected: '1 to 128 printable characters without spaces',
    }),
    username: string({ description: 'Broker user name.' }),
    password: string({ description: 'Broker password; use `${file:...}` or `${credential:...}`. Never logged.' }),
    keepalive_s: integer({
      description:
        'MQTT keepalive, s: a ping when nothing was sent for this long; a broker gone silent (half-open connection, ' +
        'no FIN or RST) is noticed after about 1.5 times this, then the source reconnects. The same as the mqtt sink\'s.',
      min: 1,
      max: 3600,
      default: 15,
    }),
    rate_hz: rateHz('a channel that received nothing since the last tick counts as missing'),
    window: windowSchema,
  },
);

/** How a producer `command` that exits with status 0 is read; shared by the camera and the audio source. */
export const finiteDescription =
  'The command reads something that ends (a file, a clip), not a live device: when it exits with status 0 after at ' +
  'least one %UNIT%, the input has ended and so does the source (the pipeline finishes what it read, then ends), or ' +
  'it runs again at once with `loop: true`. Without it a command is live: any exit is restarted with backoff. A crash ' +
  '(a status other than 0, a signal), an exit before the first %UNIT% or a stall is restarted either way.';

export const audioSourceSchema = object(
  {
    title: 'Source: audio',
    description:
      'Sound from an ALSA capture device through `arecord`, from a sound or video file decoded by ffmpeg (`input`), ' +
      'or from another `command` writing raw samples, as windows of samples scaled to -1..1.',
    required: true,
  },
  {
    device: string({ description: 'The ALSA device (`arecord -L` lists them). Default: `default`, ALSA\'s default device.', example: 'plughw:1,0' }),
    input: string({
      description:
        'A file ffmpeg can read (WAV, MP3, FLAC, OGG, a video\'s sound track) instead of a capture device, relative to ' +
        'this YAML file: decoded to `format`, `rate_hz` and `channels`. The source ends at the end of the file ' +
        '(or starts again with `loop`).',
      path: true,
      example: './sounds/doorbell.wav',
    }),
    loop: boolean({ description: '`input`, or a `finite` command: start again at the end instead of ending.', default: false }),
    realtime: boolean({
      description:
        '`input` only: deliver the samples at `rate_hz`, as a microphone would (ffmpeg `-re`). Without it the file is ' +
        'read as fast as the pipeline takes the windows, none dropped.',
      default: false,
    }),
    rate_hz: integer({ description: 'Samples per second per channel.', min: 1000, max: 384000, default: 16000 }),
    channels: integer({ description: 'Channels captured (1 = mono).', min: 1, max: 32, default: 1 }),
    format: oneOf(['S16_LE', 'S32_LE', 'FLOAT_LE', 'U8'], {
      description: 'Sample format on the wire.',
      default: 'S16_LE',
      meanings: { S16_LE: 'signed 16-bit', S32_LE: 'signed 32-bit', FLOAT_LE: '32-bit float', U8: 'unsigned 8-bit' },
      synonyms: { s16le: 'S16_LE', s16: 'S16_LE', s32le: 'S32_LE', f32le: 'FLOAT_LE', float: 'FLOAT_LE', u8: 'U8' },
    }),
    command: list(string({ description: 'One argument.' }), {
      description:
        'Another producer instead of arecord, as an argument list run without a shell, writing raw samples in `format` ' +
        'to stdout. For a sound file, `input` is simpler.',
      minItems: 1,
      example: ['ffmpeg', '-f', 'lavfi', '-i', 'sine=frequency=1000:duration=2', '-f', 's16le', '-ac', '1', '-ar', '16000', '-'],
    }),
    finite: boolean({ description: `\`command\` only. ${finiteDescription.replaceAll('%UNIT%', 'sample')}`, default: false }),
    stall_timeout_ms: integer({
      description:
        'No samples for this long (ms) after the first means the producer is stalled: it is killed and restarted. ' +
        'Before the first samples, start_timeout_ms applies instead.',
      min: 100,
      max: 3600000,
      default: 5000,
    }),
    start_timeout_ms: integer({
      description: 'No samples within this long (ms) of starting the producer: it is killed and restarted.',
      min: 100,
      max: 3600000,
      default: 30000,
    }),
    restart,
    window: windowSchema,
  },
  [
    restartCheck,
    {
      run(value, report) {
        // device with command is allowed: command replaces arecord (a device line may stay while trying a command).
        if (value.input !== undefined && value.device !== undefined) report('input', 'is given with device; give one of them (input is a file, device a microphone)');
        if (value.input !== undefined && value.command !== undefined) report('input', 'is given with command; give one of them (ffmpeg reads input itself)');
        if (value.finite && value.command === undefined) {
          report('finite', value.input !== undefined ? 'is only used with command: an input file ends by itself' : 'is only used with command');
        }
        if (value.loop && value.input === undefined && !(value.command !== undefined && value.finite)) {
          report('loop', value.command !== undefined ? 'with command needs finite: true (a command that is not finite is restarted whenever it exits)' : 'is only used with input or a finite command');
        }
        if (value.realtime && value.input === undefined) report('realtime', 'is only used with input (a device or command delivers at its own pace)');
      },
    },
  ],
);

export const sensorSourceSchemas = {
  iio: iioSourceSchema,
  serial: serialSourceSchema,
  mqtt: mqttSourceSchema,
  audio: audioSourceSchema,
} as const;

/** Kinds whose frames are sample windows rather than images. */
export const sensorSourceKinds = Object.keys(sensorSourceSchemas) as readonly (keyof typeof sensorSourceSchemas)[];
