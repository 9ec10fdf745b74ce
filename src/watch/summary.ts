/** One short line for a payload's `result` (any shape: invalid payloads are summarised as far as they go). */
import type { Json } from './schema-check.js';

type Obj = { [key: string]: Json };

const isObj = (v: Json | undefined): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const score = (v: Json | undefined): string => (typeof v === 'number' ? v.toFixed(2) : '?');
const name = (o: Obj): string => (typeof o['label'] === 'string' ? o['label'] : `#${String(o['index'] ?? '?')}`);

export function summariseResult(result: Json | undefined): string {
  if (!isObj(result)) return 'no result';
  const list = (key: string): Obj[] => (Array.isArray(result[key]) ? (result[key] as Json[]).filter(isObj) : []);
  switch (result['kind']) {
    case 'classify': {
      const top = list('classes')[0];
      return top ? `${name(top)} ${score(top['score'])}` : 'no class';
    }
    case 'detect': {
      const objects = list('objects');
      const best = objects.reduce<Obj | undefined>((a, o) => (a && Number(a['score']) >= Number(o['score']) ? a : o), undefined);
      return `${objects.length} box${objects.length === 1 ? '' : 'es'}${best ? ` (${name(best)} ${score(best['score'])})` : ''}`;
    }
    case 'pose':
      return `${list('keypoints').filter((k) => k['visible'] === true).length}/${list('keypoints').length} keypoints`;
    case 'segment':
      return 'mask';
    case 'scalar':
      return `value ${typeof result['value'] === 'number' ? result['value'].toPrecision(4) : 'null'}${result['anomaly'] === true ? ' ANOMALY' : ''}`;
    default:
      return `kind ${JSON.stringify(result['kind'] ?? null)}`;
  }
}
