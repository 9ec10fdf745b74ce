/** edgepipe bench MODEL: load, allocate and invoke times, the delegate used and peak RSS. */
import { createInterpreter } from '../runtime/delegate-chain.js';
import { elapsedMs, summarise, type TimingSummary } from '../runtime/timing.js';
import { delegatesOption, intOption, parseCommand, requireModel, stringOption, threadsOption } from './args.js';
import { delegateLine, printJson, round } from './format.js';
import { openModel } from './load-model.js';

export const benchHelp = `Usage: edgepipe bench MODEL [--delegates a,b] [--threads N|auto] [--runs N] [--warmup N] [--json]

Times TfLiteInterpreterInvoke through edgepipe's async path (inputs as allocated, zeros).

  --runs N      timed invokes (default 100)
  --warmup N    untimed invokes first (default 5)
  --library PATH  libtensorflowlite_c.so to use`;

export interface BenchJson {
  model: string;
  delegate: string;
  delegated_nodes: number;
  total_nodes: number;
  threads: number;
  runs: number;
  load_ms: number;
  allocate_ms: number;
  invoke_ms: TimingSummary;
  rss_mb: number;
}

export async function benchCommand(argv: string[]): Promise<number> {
  const parsed = parseCommand('bench', argv, {
    delegates: { type: 'string' },
    threads: { type: 'string' },
    runs: { type: 'string' },
    warmup: { type: 'string' },
    library: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean' },
  });
  if (parsed.values['help']) {
    console.log(benchHelp);
    return 0;
  }
  const file = requireModel('bench', parsed);
  const runs = intOption(parsed, 'runs', 1, 1_000_000, 100);
  const warmup = intOption(parsed, 'warmup', 0, 100_000, 5);
  const delegates = delegatesOption(parsed);
  const threads = threadsOption(parsed);

  const loadStart = process.hrtime.bigint();
  const model = await openModel(file, stringOption(parsed, 'library'));
  const loadMs = elapsedMs(loadStart);
  const allocateStart = process.hrtime.bigint();
  const chain = await createInterpreter(model, { delegates, threads, warmup: 0 });
  const allocateMs = elapsedMs(allocateStart);
  const { interpreter } = chain;
  try {
    for (let i = 0; i < warmup; i += 1) await interpreter.invoke();
    const samples = new Array<number>(runs);
    for (let i = 0; i < runs; i += 1) {
      const start = process.hrtime.bigint();
      await interpreter.invoke();
      samples[i] = elapsedMs(start);
    }
    const invoke = summarise(samples);
    const result: BenchJson = {
      model: file,
      delegate: chain.delegate,
      delegated_nodes: chain.usage.nodes,
      total_nodes: chain.usage.totalNodes,
      threads: chain.threads,
      runs,
      load_ms: round(loadMs),
      allocate_ms: round(allocateMs),
      invoke_ms: {
        min: round(invoke.min, 4),
        p50: round(invoke.p50, 4),
        p90: round(invoke.p90, 4),
        p99: round(invoke.p99, 4),
        max: round(invoke.max, 4),
      },
      // maxRSS is in kilobytes on Linux.
      rss_mb: round(process.resourceUsage().maxRSS / 1024, 1),
    };
    if (parsed.values['json']) {
      printJson(result);
    } else {
      console.log(file);
      console.log(delegateLine(chain.delegate, chain.usage, chain.refused));
      console.log(`threads ${result.threads}, load ${result.load_ms} ms, allocate ${result.allocate_ms} ms, peak RSS ${result.rss_mb} MB`);
      const t = result.invoke_ms;
      console.log(`invoke over ${runs} runs: min ${t.min} p50 ${t.p50} p90 ${t.p90} p99 ${t.p99} max ${t.max} ms`);
    }
    return 0;
  } finally {
    interpreter.dispose();
  }
}
