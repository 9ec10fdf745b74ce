/**
 * Schema of the pipeline stages: source, preprocess, postprocess and sinks (see schema-dsl.ts for the language).
 * Descriptions are for field engineers: units, ranges and what happens at the edges.
 */
import { boolean, integer, list, number, object, oneOf, string, union } from './schema-dsl.js';
import { mqttSinkSchema } from './schema-mqtt.js';
import { finiteDescription, sensorSourceSchemas } from './schema-sensors.js';

const fps = number({
  description: 'Frames per second the source produces; 0 = as fast as the pipeline takes them.',
  min: 0,
  max: 1000,
  default: 0,
  example: 5,
});

export const sourceSchema = union(
  {
    title: 'Source',
    description: 'Where frames (images or windows of sensor samples) come from; `kind` picks the source type.',
    required: true,
    example: { kind: 'images', path: './frames', loop: true, fps: 5 },
  },
  {
    images: object(
      { title: 'Source: images', description: 'Image files (.jpg, .jpeg, .png, .webp) read in name order.', required: true },
      {
        path: string({
          description: 'A file, a folder (its images, sorted by name) or a glob (`*`, `?`, `**`). Relative to this YAML file.',
          path: true,
          required: true,
          example: './frames',
        }),
        loop: boolean({ description: 'Start again from the first image after the last.', default: false }),
        fps,
        watch: boolean({ description: 'After the existing files, also emit images that appear in the folder later.', default: false }),
      },
    ),
    synthetic: object(
      { title: 'Source: synthetic', description: 'Generated test frames: no camera or files needed.', required: true },
      {
        width: integer({ description: 'Frame width in pixels.', min: 1, max: 8192, default: 640 }),
        height: integer({ description: 'Frame height in pixels.', min: 1, max: 8192, default: 480 }),
        fps: number({ description: 'Frames per second; 0 = as fast as the pipeline takes them.', min: 0, max: 1000, default: 10 }),
        pattern: oneOf(['colours', 'gradient', 'noise'], {
          description: 'What the frames show.',
          default: 'colours',
          meanings: { colours: 'solid colours, cycling', gradient: 'a moving gradient', noise: 'random pixels' },
          synonyms: { colors: 'colours', color: 'colours', colour: 'colours', random: 'noise' },
        }),
        frames: integer({ description: 'Stop after this many frames; 0 = never stop.', min: 0, default: 0 }),
      },
    ),
    camera: object(
      {
        title: 'Source: camera',
        description:
          'Live video through ffmpeg (or another `command`) run as a supervised child process: restarted with backoff ' +
          'when it exits or stops delivering frames; a video file, or a `finite` command, ends the source at its end instead.',
        required: true,
      },
      {
        input: string({
          description:
            'A V4L2 device (`/dev/video0`), an `rtsp://` or `http(s)://` URL, or a video file (absolute path). ' +
            '`lavfi:GRAPH` uses an ffmpeg test source (`lavfi:testsrc2=size=320x240:rate=30`), for tests and demos. ' +
            'With `command`: a name for the camera in messages. `board`: the camera command of this board\'s profile (devices/).',
          required: true,
          example: '/dev/video0',
          examples: ['/dev/video0', 'rtsp://192.168.1.20:554/stream1', 'lavfi:testsrc2=size=640x480:rate=15'],
        }),
        input_format: oneOf(['mjpeg', 'yuyv422'], {
          description: 'V4L2 only: the capture format asked of the device. Default: the device\'s own choice.',
          meanings: { mjpeg: 'compressed, higher frame rates over USB', yuyv422: 'uncompressed, low sizes only over USB 2' },
          synonyms: { jpeg: 'mjpeg', yuyv: 'yuyv422', yuv: 'yuyv422' },
        }),
        width: integer({ description: 'Output width in pixels (give height too). Default: the input\'s. With `command`: the width it writes.', min: 1, max: 8192, example: 640 }),
        height: integer({ description: 'Output height in pixels (give width too). Default: the input\'s. With `command`: the height it writes.', min: 1, max: 8192, example: 480 }),
        fps: number({ description: 'Output frames per second. Default: the input\'s rate.', min: 0, exclusiveMin: true, max: 1000, example: 15 }),
        realtime: boolean({
          description:
            'Files and lavfi inputs: read at their native frame rate (ffmpeg `-re`). Without it a video file is read as ' +
            'fast as the pipeline takes the frames (none dropped), a lavfi input as fast as ffmpeg makes them.',
          default: false,
        }),
        output: oneOf(['rgb24', 'gray8', 'i420', 'mjpeg'], {
          description: 'What each frame carries.',
          default: 'rgb24',
          meanings: {
            rgb24: 'raw RGB, 3 bytes a pixel',
            gray8: 'raw grey, 1 byte a pixel',
            i420: 'raw YUV 4:2:0 planar, 1.5 bytes a pixel (even width and height)',
            mjpeg: 'one JPEG per frame, decoded by the preprocessor',
          },
          synonyms: { rgb: 'rgb24', gray: 'gray8', grey: 'gray8', yuv420p: 'i420', jpeg: 'mjpeg' },
        }),
        decoder_resize: boolean({
          description:
            'Let ffmpeg resize each frame to the model\'s input size while decoding, when the resize is all the preprocessing ' +
            'does (`fill`, no roi, rotate or flip) and nothing reads the full frame (no motion, track, cascade, snapshots or ' +
            'live view): results keep the full frame\'s coordinates, and a frame costs ~15% less CPU. Off by default: on the ' +
            '2-vCPU VM it was measured on, frames per second as fast as the pipeline goes came out lower, unexplained ' +
            '(docs/benchmarks.md, "Where a frame\'s time goes"); turn it on where CPU matters more, after measuring.',
          default: false,
        }),
        rtsp_transport: oneOf(['tcp', 'udp'], { description: 'RTSP only: how the video travels.', default: 'tcp' }),
        io_timeout_ms: integer({
          description:
            'RTSP and HTTP only: ffmpeg gives up on a connection that takes this long (ms) to connect or to send data, and ' +
            'is restarted with backoff. Shorter than stall_timeout_ms, it tells a dead camera from a slow pipeline.',
          min: 100,
          max: 600000,
          default: 10000,
        }),
        loop: boolean({
          description: 'Video files: start again at the end (ffmpeg `-stream_loop -1`). A `finite` command: run it again at its end.',
          default: false,
        }),
        stall_timeout_ms: integer({
          description:
            'No frame for this long (ms) after the first means the producer is stalled: it is killed and restarted. ' +
            'Before the first frame, start_timeout_ms applies instead.',
          min: 100,
          max: 600000,
          default: 5000,
        }),
        start_timeout_ms: integer({
          description:
            'No first frame within this long (ms) of starting the producer: it is killed and restarted. Starting is ' +
            'slower than running (an RTSP camera connects, ffmpeg probes the stream and waits for a key frame), so ' +
            'this is longer than stall_timeout_ms; keep it above io_timeout_ms, so ffmpeg reports a dead connection first.',
          min: 100,
          max: 600000,
          default: 30000,
        }),
        restart: object(
          { title: 'Camera restart', description: 'Backoff between restarts: doubling from initial_ms to max_ms, with jitter.', default: {} },
          {
            initial_ms: integer({ description: 'First wait before a restart, ms.', min: 0, max: 600000, default: 500 }),
            max_ms: integer({ description: 'Longest wait before a restart, ms.', min: 0, max: 3600000, default: 30000 }),
          },
        ),
        command: list(string({ description: 'One argument.' }), {
          description:
            'Another producer instead of ffmpeg, as an argument list run without a shell, writing frames to stdout ' +
            '(`[rpicam-vid, -t, "0", --codec, mjpeg, -o, "-"]`). Needs `command_output`.',
          minItems: 1,
          example: ['rpicam-vid', '-t', '0', '--codec', 'mjpeg', '-o', '-'],
        }),
        command_output: oneOf(['rgb24', 'bgr24', 'gray8', 'i420', 'nv12', 'yuyv', 'mjpeg'], {
          description: 'What `command` writes to stdout: raw frames of `width` x `height` (both required then), or `mjpeg`.',
          meanings: { mjpeg: 'concatenated JPEG images (rpicam-vid --codec mjpeg, gst-launch jpegenc ! fdsink)' },
        }),
        finite: boolean({ description: `\`command\` only. ${finiteDescription.replaceAll('%UNIT%', 'frame')}`, default: false }),
      },
      [
        {
          run(value, report) {
            if (!value.command && value.input !== 'board' && !/^(\/|lavfi:|[a-z][a-z0-9+.-]*:\/\/)/i.test(value.input)) {
              report('input', 'a video file must be an absolute path (it is not resolved against this file), or give a device or URL');
            }
            if ((value.width === undefined) !== (value.height === undefined)) {
              report(value.width === undefined ? 'height' : 'width', `is given without ${value.width === undefined ? 'width' : 'height'}; give both or neither`);
            }
            if (value.output === 'i420' && ((value.width ?? 0) % 2 === 1 || (value.height ?? 0) % 2 === 1)) {
              report('output', 'i420 needs an even width and height');
            }
            if (value.restart.maxMs < value.restart.initialMs) report('restart', 'max_ms must be at least initial_ms');
            if (value.command && !value.commandOutput) report('command_output', 'is required with command: say what the command writes');
            if (!value.command && value.commandOutput) report('command_output', 'is only used with command');
            const out = value.commandOutput;
            if (value.command && out && out !== 'mjpeg' && value.width === undefined) {
              report('command_output', `${out} frames need width and height (the size the command writes)`);
            }
            if (value.finite && !value.command) report('finite', 'is only used with command: a video file in input ends by itself');
            if (value.command && value.loop && !value.finite) {
              report('loop', 'with command needs finite: true (a command that is not finite is restarted whenever it exits)');
            }
          },
        },
      ],
    ),
    ...sensorSourceSchemas,
  },
);

export const preprocessSchema = object(
  {
    title: 'Preprocess',
    description: 'How each frame becomes the model input: crop, rotate, flip, resize, colour order, normalisation.',
    default: {},
    example: { resize: 'contain', pad_colour: [0, 0, 0], rotate: 90 },
  },
  {
    resize: oneOf(['fill', 'contain', 'cover'], {
      description: 'How the image is fitted to the input size.',
      default: 'fill',
      meanings: {
        fill: 'stretch to the input size (aspect ratio changes)',
        contain: 'fit inside, keeping the aspect ratio, and pad the rest with `pad_colour` (letterbox)',
        cover: 'fill the input, keeping the aspect ratio, and crop what sticks out',
      },
      synonyms: { stretch: 'fill', scale: 'fill', letterbox: 'contain', pad: 'contain', fit: 'contain', crop: 'cover' },
    }),
    pad_colour: list(integer({ description: 'Colour channel, 0-255.', min: 0, max: 255 }), {
      description: 'Padding colour for `resize: contain`, as [red, green, blue], each 0-255.',
      length: 3,
      default: [0, 0, 0],
      example: [114, 114, 114],
    }),
    roi: object(
      {
        title: 'Region of interest',
        description: 'Use only this rectangle of the source image, in source-image pixels.',
        example: { x: 0, y: 120, width: 640, height: 360 },
      },
      {
        x: integer({ description: 'Left edge in pixels from the left of the image.', min: 0, required: true }),
        y: integer({ description: 'Top edge in pixels from the top of the image.', min: 0, required: true }),
        width: integer({ description: 'Width in pixels.', min: 1, required: true }),
        height: integer({ description: 'Height in pixels.', min: 1, required: true }),
      },
    ),
    rotate: oneOf([0, 90, 180, 270], {
      description: 'Clockwise rotation in degrees, applied after the region of interest.',
      default: 0,
      synonyms: { '-90': 270, '-180': 180, '-270': 90, '360': 0 },
    }),
    flip: oneOf(['none', 'horizontal', 'vertical'], {
      description: 'Mirror the image after rotating.',
      default: 'none',
      meanings: { none: 'no mirroring', horizontal: 'left and right swap', vertical: 'top and bottom swap' },
      synonyms: { mirror: 'horizontal', no: 'none', off: 'none', false: 'none' },
    }),
    colour: oneOf(['rgb', 'bgr', 'gray'], {
      description: 'Channel order the model expects. Default: from the model (1 channel: gray, 3: rgb).',
      synonyms: { grey: 'gray', greyscale: 'gray', grayscale: 'gray', mono: 'gray' },
    }),
    layout: oneOf(['nhwc', 'nchw'], {
      description: 'Tensor layout of the input. Default: from the input tensor\'s shape.',
      meanings: { nhwc: 'channels last (most TFLite models)', nchw: 'channels first' },
    }),
    mean: list(number({ description: 'Mean of one channel on the 0-255 scale.', min: 0, max: 255 }), {
      description:
        'Per-channel mean on the 0-255 pixel scale (1 value or one per channel); input = (pixel - mean) / std. ' +
        'Default: the model metadata, else a mapping to the input type.',
      minItems: 1,
      maxItems: 3,
      example: [127.5, 127.5, 127.5],
    }),
    std: list(number({ description: 'Standard deviation of one channel on the 0-255 scale.', min: 0, exclusiveMin: true, max: 255 }), {
      description: 'Per-channel standard deviation on the 0-255 pixel scale, same count as `mean`.',
      minItems: 1,
      maxItems: 3,
      example: [127.5, 127.5, 127.5],
    }),
  },
  [
    {
      run(value, report) {
        if (value.mean && value.std && value.mean.length !== value.std.length) {
          const values = `${value.std.length} value${value.std.length === 1 ? '' : 's'}`;
          report('std', `has ${values} but mean has ${value.mean.length}; give both the same count`);
        }
        if ((value.mean === undefined) !== (value.std === undefined)) {
          report(value.mean ? 'mean' : 'std', `is given without ${value.mean ? 'std' : 'mean'}; give both or neither`);
        }
      },
    },
  ],
);

const threshold = (fallback: number, what: string) =>
  number({ description: `${what} scoring below this are left out (0 to 1).`, min: 0, max: 1, default: fallback });
const maxDetections = (fallback: number) =>
  integer({ description: 'At most this many objects per frame (the highest scoring).', min: 1, max: 1000, default: fallback });
const classLabel = string({ description: 'A label or a class index.', expected: 'a label or a class index', plural: 'labels or class indices' });
const classes = list(classLabel, {
  description: 'Report only these classes (labels, or class indices); empty = all.',
  default: [],
  example: ['person', 'car'],
});

export const postprocessSchema = union(
  {
    title: 'Postprocess',
    description: 'What the model output means; `kind` picks the decoder.',
    required: true,
    example: { kind: 'classify', top_k: 3, threshold: 0.2 },
  },
  {
    classify: object(
      { title: 'Postprocess: classify', description: 'Image classification: the best scoring classes.', required: true },
      {
        top_k: integer({ description: 'How many of the best classes to report.', min: 1, max: 1000, default: 5 }),
        threshold: threshold(0, 'Classes'),
        output: string({ description: 'Name of the output tensor to read. Default: the first output.' }),
        scores: oneOf(['auto', 'softmax', 'sigmoid', 'raw'], {
          description:
            'How outputs become scores in [0,1]. softmax: over all classes (logits of a model without a softmax, e.g. ' +
            'converted from PyTorch); sigmoid: per class (independent labels); raw: as the model outputs them (refused ' +
            'when the output can hold values outside [0,1]). Default auto: raw when the output comes from a SOFTMAX or ' +
            'LOGISTIC op or its quantisation only holds values in [0,1]; softmax when a quantised output can hold others; ' +
            'for other float outputs softmax on each frame that has a value outside [0,1].',
          example: 'softmax',
        }),
      },
    ),
    'detect-ssd': object(
      {
        title: 'Postprocess: detect-ssd',
        description: 'Object detection with an SSD-style postprocess op (boxes, classes, scores, count outputs).',
        required: true,
      },
      { threshold: threshold(0.5, 'Objects'), max_detections: maxDetections(25), classes },
    ),
    'detect-yolo': object(
      {
        title: 'Postprocess: detect-yolo',
        description: 'Object detection from raw YOLO rows, with non-maximum suppression.',
        required: true,
      },
      {
        threshold: threshold(0.25, 'Objects'),
        iou: number({
          description: 'Overlap (intersection over union, 0 to 1) above which the weaker of two boxes is dropped.',
          min: 0,
          max: 1,
          default: 0.45,
        }),
        max_detections: maxDetections(100),
        classes,
        objectness: boolean({
          description: 'Each row has an objectness score before the class scores (YOLOv5: true, YOLOv8: false).',
          default: true,
        }),
        coordinates: oneOf(['normalized', 'pixels'], {
          description: 'Unit of the box centre, width and height in each row.',
          default: 'normalized',
          meanings: { normalized: '0 to 1 across the input', pixels: 'input-tensor pixels' },
          synonyms: { normalised: 'normalized', pixel: 'pixels', px: 'pixels' },
        }),
      },
    ),
    pose: object(
      { title: 'Postprocess: pose', description: 'Single-person pose keypoints (MoveNet, PoseNet).', required: true },
      {
        threshold: number({
          description: 'Keypoints scoring below this (0 to 1) are reported with `visible: false`.',
          min: 0,
          max: 1,
          default: 0.3,
        }),
      },
    ),
    segment: object(
      { title: 'Postprocess: segment', description: 'Semantic segmentation: which classes cover how much of the image.', required: true },
      {
        min_fraction: number({
          description: 'Report classes covering at least this fraction (0 to 1) of the pixels.',
          min: 0,
          max: 1,
          default: 0.01,
        }),
        mask_dir: string({
          description: 'Folder to write one mask PNG per frame into; none = no masks. Relative to this YAML file.',
          path: true,
          example: '/var/lib/edgepipe/masks',
        }),
        keep_masks: integer({
          description:
            "With mask_dir: keep this pipeline's newest N mask files and delete older ones (a board's storage is small); 0 = keep all.",
          min: 0,
          default: 1000,
        }),
      },
    ),
    scalar: object(
      {
        title: 'Postprocess: scalar',
        description: 'One number per frame (a sensor model, an anomaly score), flagged when outside [below, above].',
        required: true,
      },
      {
        below: number({ description: 'The value is an anomaly when smaller than this. None = no lower bound.' }),
        above: number({ description: 'The value is an anomaly when larger than this. None = no upper bound.', example: 0.8 }),
      },
      [
        {
          run(value, report) {
            if (value.below !== undefined && value.above !== undefined && value.below >= value.above) {
              report('below', `must be smaller than above (${value.above}), or every value is an anomaly`);
            }
          },
        },
      ],
    ),
  },
);

export const sinkSchema = union(
  { title: 'Sink', description: 'Where results go; `kind` picks the sink type.', required: true },
  {
    stdout: object(
      { title: 'Sink: stdout', description: 'One JSON line per result on standard output (the journal, under systemd).', required: true },
      {},
    ),
    file: object(
      {
        title: 'Sink: file',
        description:
          "JSON lines appended to a file, rotated by size. End events' best pictures (with `track`) go to a `snapshots` folder beside the file, named in the event lines; at most 500 pictures, 20 MiB per pipeline, the oldest removed (docs/analytics.md#events).",
        required: true,
      },
      {
        path: string({
          description: 'The file to append to. Relative to this YAML file.',
          path: true,
          required: true,
          example: '/var/log/edgepipe/front-door.jsonl',
        }),
        max_bytes: integer({
          description: 'Rotate (to path.1, path.2, ...) when the file is larger than this many bytes.',
          min: 1024,
          default: 10485760,
        }),
        keep: integer({ description: 'Rotated files kept; 0 = none (the file restarts empty).', min: 0, max: 1000, default: 5 }),
      },
    ),
    mqtt: mqttSinkSchema,
  },
);
