/** Config to ffmpeg arguments, ffmpeg's log parsing, and the stderr line helpers (no processes). */
import { describe, expect, it } from 'vitest';
import { LineSplitter, LineTail, RateLimitedWarn } from '../../src/sources/child-log.js';
import { cameraInputKind, FfmpegOutputSize, ffmpegArgs, ffmpegLogLevel, producerCommand } from '../../src/sources/ffmpeg-args.js';
import { cameraConfig } from './camera-helpers.js';

const quiet = ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'level+info'];
const tail = (args: string[]): string => args.slice(quiet.length).join(' ');

describe('camera input kinds', () => {
  it.each([
    ['/dev/video0', 'v4l2'],
    ['rtsp://10.0.0.2:554/s1', 'rtsp'],
    ['RTSPS://cam/s', 'rtsp'],
    ['http://127.0.0.1:8080/', 'http'],
    ['https://cam/mjpg', 'http'],
    ['lavfi:testsrc2', 'lavfi'],
    ['/data/clip.mp4', 'file'],
  ])('%s is %s', (input, kind) => expect(cameraInputKind(input)).toBe(kind));
});

describe('ffmpeg arguments', () => {
  it('V4L2: format, capture size and rate are device options; scaled to the exact size; raw rgb24 to stdout', () => {
    const args = ffmpegArgs(cameraConfig({ input: '/dev/video0', inputFormat: 'mjpeg', width: 640, height: 480, fps: 15 }));
    expect(args.slice(0, quiet.length)).toEqual(quiet);
    expect(tail(args)).toBe(
      '-f v4l2 -input_format mjpeg -video_size 640x480 -framerate 15 -i /dev/video0 -vf scale=640:480 -an -sn -dn -f rawvideo -pix_fmt rgb24 pipe:1',
    );
  });

  it('RTSP over tcp (default) or udp; output at the input size and rate when none is given', () => {
    expect(tail(ffmpegArgs(cameraConfig({ input: 'rtsp://cam/s' })))).toBe('-rtsp_transport tcp -timeout 10000000 -i rtsp://cam/s -an -sn -dn -f rawvideo -pix_fmt rgb24 pipe:1');
    expect(tail(ffmpegArgs(cameraConfig({ input: 'rtsp://cam/s', rtspTransport: 'udp', output: 'gray8' })))).toBe(
      '-rtsp_transport udp -timeout 10000000 -i rtsp://cam/s -an -sn -dn -f rawvideo -pix_fmt gray pipe:1',
    );
  });

  it('files: -re for realtime, -stream_loop -1 for loop; fps as a filter; mjpeg output as full-range JPEGs', () => {
    const args = ffmpegArgs(cameraConfig({ input: '/v/a.mp4', realtime: true, loop: true, fps: 5, output: 'mjpeg' }));
    expect(tail(args)).toBe('-re -stream_loop -1 -i /v/a.mp4 -vf fps=5,format=yuvj420p -an -sn -dn -c:v mjpeg -q:v 5 -f mjpeg pipe:1');
  });

  it('lavfi: the graph after the prefix, with -f lavfi; i420 is yuv420p', () => {
    const args = ffmpegArgs(cameraConfig({ input: 'lavfi:testsrc2=size=320x240:rate=30', realtime: false, output: 'i420' }));
    expect(tail(args)).toBe('-f lavfi -i testsrc2=size=320x240:rate=30 -an -sn -dn -f rawvideo -pix_fmt yuv420p pipe:1');
  });

  it('a command runs as given, its output described by command_output', () => {
    const command = producerCommand(cameraConfig({ command: ['rpicam-vid', '-t', '0', '-o', '-'], commandOutput: 'mjpeg' }));
    expect(command).toEqual({ program: 'rpicam-vid', args: ['-t', '0', '-o', '-'], ffmpegLog: false, output: { kind: 'mjpeg' } });
    const raw = producerCommand(cameraConfig({ command: ['gst-launch-1.0'], commandOutput: 'nv12', width: 64, height: 48 }));
    expect(raw.output).toEqual({ kind: 'raw', format: 'nv12', width: 64, height: 48 });
  });
});

describe("ffmpeg's log", () => {
  const log = [
    "[info] Input #0, lavfi, from 'testsrc2=size=320x240:rate=30':",
    '[info]   Stream #0:0: Video: rawvideo (I420 / 0x30323449), yuv420p, 320x240 [SAR 1:1 DAR 4:3], 30 tbr, 30 tbn',
    "[info] Output #0, rawvideo, to 'pipe:1':",
    '[info]   Stream #0:0: Video: rawvideo (RGB[24] / 0x18424752), rgb24(pc, gbr/unknown/unknown, progressive), 96x54 [SAR 1:1 DAR 16:9], q=2-31',
  ];

  it('the output size comes from the Output #0 stream line, not the input one nor the codec tag', () => {
    const parser = new FfmpegOutputSize();
    expect(log.slice(0, 3).map((line) => parser.take(line))).toEqual([undefined, undefined, undefined]);
    expect(parser.take(log[3]!)).toEqual({ width: 96, height: 54 });
  });

  it('levels come from the level+ prefix, after any [component @ 0x...] prefixes', () => {
    expect(ffmpegLogLevel('[error] /dev/video9: No such file').level).toBe('error');
    expect(ffmpegLogLevel('[swscaler @ 0x55c2] [swscaler @ 0x55c3] [warning] deprecated pixel format used').level).toBe('warning');
    expect(ffmpegLogLevel('no prefix at all').level).toBe('info');
  });
});

describe('stderr lines', () => {
  it('LineSplitter joins lines across chunks, breaks on \\n, \\r\\n and \\r, and keeps the last partial line', () => {
    const lines = new LineSplitter();
    expect(lines.push('one\ntw')).toEqual(['one']);
    expect(lines.push(Buffer.from('o\r\nthree\rfo'))).toEqual(['two', 'three']);
    expect(lines.end()).toEqual(['fo']);
    expect(new LineSplitter(5).push('abcdefgh\n')).toEqual(['abcde']);
  });

  it('LineTail keeps the last lines and says how many earlier ones it left out', () => {
    const tail = new LineTail(2);
    for (const line of ['a', 'b', 'c']) tail.push(line);
    expect(tail.lines).toEqual(['b', 'c']);
    expect(tail.text()).toBe('(1 earlier line left out) | b | c');
    tail.push('d');
    expect(tail.text()).toBe('(2 earlier lines left out) | c | d');
    tail.clear();
    tail.push('e');
    expect(tail.text()).toBe('e');
  });

  it('RateLimitedWarn passes a burst per window, then says how many it left out', () => {
    const sent: string[] = [];
    const warn = new RateLimitedWarn((m) => sent.push(m), { burst: 2, windowMs: 1000 });
    for (let i = 0; i < 5; i++) warn.send(`line ${i}`, 10 + i);
    warn.send('later', 2000);
    expect(sent).toEqual(['line 0', 'line 1', '(3 similar lines left out)', 'later']);
    expect(warn.suppressedTotal).toBe(3);
  });
});
