/** loadConfigFiles: files and folders, every problem of every file at once, checks across files and on disk. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultRuntime, loadConfigFiles, parseConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/config/problems.js';
import { EdgepipeError } from '../../src/runtime/errors.js';
import { configError, fixturesDir, pipelineYaml, placeholderModel, problemLines, tempDir } from './helpers.js';

function write(dir: string, name: string, text: string): string {
  const file = path.join(dir, name);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}
const file = (...pipelines: string[]) => `version: 1\npipelines:\n${pipelines.join('')}`;

describe('loadConfigFiles', () => {
  it('reports every problem of every pipeline of every file at once, in file order', async () => {
    const dir = tempDir();
    const b = write(dir, 'b.yaml', file(pipelineYaml('one', '    every: 0\n'), pipelineYaml('two', '    max_fps: -1\n')));
    const a = write(dir, 'a.yaml', 'version: 1\npipelines:\n  - name: three\n    source: { kind: webcam }\n');
    const error = await configError(() => loadConfigFiles([b, a]));
    expect(problemLines(error).map((line) => line.replace(`${dir}/`, ''))).toEqual([
      'b.yaml:7:12: pipelines[0].every: expected an integer between 1 and 100000, received 0',
      'b.yaml:12:14: pipelines[1].max_fps: expected a number between 0 and 1000, received -1',
      'a.yaml:3:5: pipelines[0].model: missing required field; expected a map of fields',
      'a.yaml:3:5: pipelines[0].postprocess: missing required field; expected a map with a kind (classify, detect-ssd, detect-yolo, pose, segment, scalar)',
      'a.yaml:4:21: pipelines[0].source.kind: expected one of images, synthetic, camera, iio, serial, mqtt, audio, received "webcam"',
    ]);
    expect(error.message.split('\n')[0]).toBe('5 problems in the configuration:');
    expect(error).toBeInstanceOf(EdgepipeError);
    expect(error.stack).toBeDefined();
  });

  it('counts lines the same with Windows line endings and a byte order mark', async () => {
    const text = '\uFEFFversion: 1\r\npipelines:\r\n  - name: door\r\n    every: 0\r\n';
    const error = await configError(() => parseConfig('w.yaml', text));
    expect(problemLines(error).at(-1)).toBe('w.yaml:4:12: pipelines[0].every: expected an integer between 1 and 100000, received 0');
  });

  it('keeps the parts of each problem apart', async () => {
    const error = await configError(() => parseConfig('p.yaml', file(pipelineYaml('door', '    preprocess: { resize: strech, rezise: fill }\n'))));
    expect(error.problems).toEqual([
      {
        file: 'p.yaml',
        line: 7,
        col: 27,
        path: 'pipelines[0].preprocess.resize',
        message: 'expected one of fill, contain, cover, received "strech"; did you mean "fill"?',
        expected: 'one of fill, contain, cover',
        received: '"strech"',
        suggestion: 'fill',
      },
      { file: 'p.yaml', line: 7, col: 35, path: 'pipelines[0].preprocess.rezise', message: 'unknown field; did you mean "resize"?', suggestion: 'resize' },
    ]);
  });

  it('rejects a pipeline name used twice across files, naming both places', async () => {
    const dir = tempDir();
    write(dir, 'conf.d/10-front.yaml', file(pipelineYaml('front-door'), pipelineYaml('back-door')));
    write(dir, 'conf.d/20-more.yaml', file(pipelineYaml('garage'), pipelineYaml('front-door')));
    const error = await configError(() => loadConfigFiles([path.join(dir, 'conf.d')]));
    expect(problemLines(error)).toEqual([
      `${dir}/conf.d/20-more.yaml:7:11: pipelines[1].name: "front-door" is already the name of the pipeline at ${dir}/conf.d/10-front.yaml:3:11; names must be unique across all files`,
    ]);
  });

  it('reports duplicate names even while a file has other problems', async () => {
    const dir = tempDir();
    const a = write(dir, 'a.yaml', file(pipelineYaml('door', '    every: zero\n')));
    const b = write(dir, 'b.yaml', file(pipelineYaml('door')));
    const error = await configError(() => loadConfigFiles([a, b]));
    expect(problemLines(error).map((line) => line.replaceAll(`${dir}/`, ''))).toEqual([
      'a.yaml:7:12: pipelines[0].every: expected an integer between 1 and 100000, received "zero"',
      'b.yaml:3:11: pipelines[0].name: "door" is already the name of the pipeline at a.yaml:3:11; names must be unique across all files',
    ]);
  });

  it('loads a folder: its .yaml and .yml files in name order, nothing else, not sub-folders', async () => {
    const dir = tempDir();
    write(dir, 'b.yml', file(pipelineYaml('b')));
    write(dir, 'a.yaml', file(pipelineYaml('a')));
    write(dir, 'c.yaml.disabled', 'not: yaml: at all');
    write(dir, 'notes.txt', 'hello');
    write(dir, 'sub/d.yaml', 'broken: [');
    const configs = await loadConfigFiles([dir]);
    expect(configs.map((c) => path.basename(c.file))).toEqual(['a.yaml', 'b.yml']);
    expect(configs.map((c) => c.pipelines[0]!.name)).toEqual(['a', 'b']);
    expect(configs[0]!.pipelines[0]!.origin).toBe(`${dir}/a.yaml:3:5`);
  });

  it('takes files and folders together, each file once', async () => {
    const dir = tempDir();
    const a = write(dir, 'a.yaml', file(pipelineYaml('a')));
    const extra = write(tempDir(), 'extra.conf', file(pipelineYaml('x')));
    const configs = await loadConfigFiles([a, dir, extra]);
    expect(configs.map((c) => c.file)).toEqual([a, extra]);
  });

  it('names paths that do not exist and folders without YAML files', async () => {
    const dir = tempDir();
    mkdirSync(path.join(dir, 'empty'));
    const error = await configError(() => loadConfigFiles([path.join(dir, 'nope.yaml'), path.join(dir, 'empty')]));
    expect(problemLines(error)).toEqual([`${dir}/nope.yaml: no such file or folder`, `${dir}/empty: the folder has no .yaml or .yml files`]);
  });

  it('resolves relative paths against the folder of the YAML file, not the current folder', async () => {
    const dir = tempDir();
    write(dir, 'site/models/m.tflite', 'x');
    write(dir, 'site/models/labels.txt', 'a\n');
    write(dir, 'site/delegates/.keep', '');
    const yaml = write(
      dir,
      'site/conf/door.yaml',
      `version: 1
runtime: { library: ../lib/libtflite.so, delegate_dirs: [../delegates], cache_dir: cache }
pipelines:
  - name: door
    source: { kind: images, path: "../frames/**/*.jpg" }
    model: { file: ../models/m.tflite, labels: ../models/labels.txt }
    postprocess: { kind: segment, mask_dir: ./masks }
    sinks: [{ kind: file, path: /var/log/door.jsonl }, { kind: file, path: out/door.jsonl }]
`,
    );
    const [config] = await loadConfigFiles([path.relative(process.cwd(), yaml)], { checkFiles: false });
    const site = path.join(dir, 'site');
    expect(config!.file).toBe(yaml);
    expect(config!.runtime).toEqual({ library: `${site}/lib/libtflite.so`, delegateDirs: [`${site}/delegates`], cacheDir: `${site}/conf/cache`, thermal: defaultRuntime().thermal });
    const pipeline = config!.pipelines[0]!;
    expect(pipeline.source).toMatchObject({ path: `${site}/frames/**/*.jpg` });
    expect(pipeline.model).toMatchObject({ file: `${site}/models/m.tflite`, labels: `${site}/models/labels.txt` });
    expect(pipeline.postprocess).toEqual({ kind: 'segment', minFraction: 0.01, keepMasks: 1000, maskDir: `${site}/conf/masks` });
    expect(pipeline.sinks.map((s) => (s.kind === 'file' ? s.path : s.kind))).toEqual(['/var/log/door.jsonl', `${site}/conf/out/door.jsonl`]);
  });

  it('rejects two file sinks writing the same file', async () => {
    const dir = tempDir();
    const a = write(dir, 'a.yaml', file(pipelineYaml('one', '    sinks: [{ kind: file, path: ./out.jsonl }]\n')));
    const b = write(dir, 'b.yaml', file(pipelineYaml('two', '    sinks: [{ kind: stdout }, { kind: file, path: out.jsonl }]\n')));
    const error = await configError(() => loadConfigFiles([a, b]));
    expect(problemLines(error).map((line) => line.replaceAll(`${dir}/`, ''))).toEqual([
      'b.yaml:7:51: pipelines[0].sinks[1].path: this file is already written by the file sink at a.yaml:7:33 (pipeline one); give each file sink a file of its own',
    ]);
  });

  it('rejects files that disagree on runtime.library', async () => {
    const dir = tempDir();
    const a = write(dir, 'a.yaml', `version: 1\nruntime: { library: /opt/a/lib.so }\npipelines: []\n`);
    const b = write(dir, 'b.yaml', `version: 1\nruntime: { library: /opt/a/lib.so }\npipelines: []\n`);
    const c = write(dir, 'c.yaml', `version: 1\nruntime:\n  cache_dir: /var/cache/x\n  library: /opt/c/lib.so\npipelines: []\n`);
    const error = await configError(() => loadConfigFiles([a, b, c], { checkFiles: false }));
    expect(problemLines(error).map((line) => line.replaceAll(`${dir}/`, ''))).toEqual([
      'c.yaml:4:12: runtime.library: differs from runtime.library at a.yaml:2:21; all files must agree (one per edgepipe process)',
    ]);
  });
});

describe('checks of what the config points at', () => {
  it('finds model and labels files, with a suggestion for a near name', async () => {
    const dir = tempDir();
    write(dir, 'models/mobilenet_v2.tflite', 'x');
    const yaml = write(dir, 'door.yaml', file(pipelineYaml('door', '    postprocess: { kind: classify }\n', './models/mobilenet-v2.tflite').replace('    postprocess: { kind: classify }\n', '')));
    const error = await configError(() => loadConfigFiles([yaml]));
    expect(problemLines(error)).toEqual([
      `${yaml}:5:20: pipelines[0].model.file: file not found: ${dir}/models/mobilenet-v2.tflite; did you mean "mobilenet_v2.tflite"?`,
    ]);
  });

  it('knows the shipped delegates and those of runtime.delegate_dirs', async () => {
    const dir = tempDir();
    const model = JSON.stringify(placeholderModel);
    const text = `version: 1
runtime: { delegate_dirs: [${fixturesDir}/delegates, ./missing] }
pipelines:
  - name: door
    source: { kind: synthetic }
    model: { file: ${model}, delegates: [acme-npu, acme_npu, gpu, vx, armnn, edgetpu, xnnpack, cpu] }
    postprocess: { kind: pose }
`;
    const yaml = write(dir, 'door.yaml', text);
    const col = (line: number, needle: string) => text.split('\n')[line - 1]!.indexOf(needle) + 1;
    const unknown = `${yaml}:6:${col(6, 'acme_npu')}: pipelines[0].model.delegates[1]: unknown delegate "acme_npu"; did you mean "acme-npu"? (known: acme-npu, armnn, cpu, edgetpu, gpu, qnn, vx, xnnpack)`;
    const error = await configError(() => loadConfigFiles([yaml]));
    expect(problemLines(error)).toEqual([`${yaml}:2:${col(2, './missing')}: runtime.delegate_dirs[1]: folder not found: ${dir}/missing`, unknown]);
    write(dir, 'missing/.keep', '');
    const second = await configError(() => loadConfigFiles([yaml]));
    expect(problemLines(second)).toEqual([unknown]);
    const fixed = write(dir, 'door.yaml', text.replace('acme_npu, ', ''));
    const [config] = await loadConfigFiles([fixed]);
    expect(config!.pipelines[0]!.model.delegates).toEqual(['acme-npu', 'gpu', 'vx', 'armnn', 'edgetpu', 'xnnpack', 'cpu']);
  });

  it('checkFiles: false skips them (parseConfig never looks)', async () => {
    const dir = tempDir();
    const yaml = write(dir, 'door.yaml', file(pipelineYaml('door', '', './none.tflite')).replace('}\n    postprocess', ', delegates: [made-up] }\n    postprocess'));
    const [config] = await loadConfigFiles([yaml], { checkFiles: false });
    expect(config!.pipelines[0]!.model.delegates).toEqual(['made-up', 'cpu']);
    expect(parseConfig(yaml, file(pipelineYaml('door', '', './none.tflite'))).pipelines[0]!.model.file).toBe(`${dir}/none.tflite`);
  });

  it('checks the files of the valid parts while other fields have problems: all problems in one pass', async () => {
    const dir = tempDir();
    const yaml = write(dir, 'door.yaml', file(pipelineYaml('door', '    every: 0\n', './none.tflite')));
    const error = await configError(() => loadConfigFiles([yaml]));
    expect(error).toBeInstanceOf(ConfigError);
    expect(problemLines(error)).toEqual([
      `${yaml}:5:20: pipelines[0].model.file: file not found: ${path.join(dir, 'none.tflite')}`,
      `${yaml}:7:12: pipelines[0].every: expected an integer between 1 and 100000, received 0`,
    ]);
  });
});
