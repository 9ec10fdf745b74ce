import { describe, expect, it } from 'vitest';
import { SerialLineSplitter } from '../../../src/sources/series/serial-lines.js';
import { sttyArgs } from '../../../src/sources/series/serial-port.js';

const push = (splitter: SerialLineSplitter, ...chunks: string[]): string[] => chunks.flatMap((chunk) => splitter.push(Buffer.from(chunk, 'latin1')));

describe('serial line splitting', () => {
  it('splits on \\n, \\r\\n and a lone \\r, across chunks, leaving out empty lines', () => {
    const splitter = new SerialLineSplitter();
    expect(push(splitter, '1,2\r\n3,', '4\n\n5\r6', '')).toEqual(['1,2', '3,4', '5']);
    expect(push(splitter, '\n')).toEqual(['6']);
  });

  it('drops a line longer than the limit (in one chunk or many) and counts it once', () => {
    const splitter = new SerialLineSplitter(8);
    expect(push(splitter, '12345678\n', '123456789\nok\n')).toEqual(['12345678', 'ok']);
    expect(splitter.overlong).toBe(1);
    expect(push(splitter, '12345', '6789', 'abcdef', 'gh\nnext\n')).toEqual(['next']);
    expect(splitter.overlong).toBe(2);
  });

  it('reset() drops an unterminated line and says whether there was one', () => {
    const splitter = new SerialLineSplitter();
    push(splitter, '1,2');
    expect(splitter.reset()).toBe(true);
    expect(splitter.reset()).toBe(false);
    expect(push(splitter, '3\n')).toEqual(['3']);
  });
});

describe('serial port configuration', () => {
  it('runs stty with the baud rate, raw 8N1 and no echo, as an argument array', () => {
    expect(sttyArgs('/dev/ttyUSB0', 9600)).toEqual(['-F', '/dev/ttyUSB0', '9600', 'raw', '-echo', 'cs8', '-parenb', '-cstopb', 'clocal']);
  });
});
