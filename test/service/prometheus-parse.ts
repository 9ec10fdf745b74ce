/**
 * A strict parser of the Prometheus text exposition format 0.0.4, for tests: every line is a HELP, a TYPE or one
 * sample; names and label names match the grammar; label values use only the \\ \" \n escapes; values are floats
 * (or +Inf, -Inf, NaN); a family's HELP/TYPE come once and before its samples, which are contiguous; no series twice.
 */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: string;
  help: string;
  samples: Sample[];
}

const metricName = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const labelName = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const floatValue = /^(?:[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[+-]Inf|NaN)$/;

function familyOf(name: string, families: Map<string, Family>): Family | undefined {
  for (const suffix of ['_bucket', '_sum', '_count', '']) {
    if (!name.endsWith(suffix)) continue;
    const family = families.get(name.slice(0, name.length - suffix.length));
    if (family && (suffix === '' || family.type === 'histogram' || (family.type === 'summary' && suffix !== '_bucket'))) return family;
  }
  return undefined;
}

function parseLabels(text: string, at: string): { labels: Record<string, string>; rest: string } {
  const labels: Record<string, string> = {};
  let rest = text.slice(1);
  while (!rest.startsWith('}')) {
    const name = labelName.exec(rest)?.[0];
    if (!name) throw new Error(`${at}: bad label name in ${text}`);
    rest = rest.slice(name.length);
    if (!rest.startsWith('="')) throw new Error(`${at}: expected =" after ${name}`);
    rest = rest.slice(2);
    let value = '';
    for (;;) {
      const c = rest[0];
      if (c === undefined) throw new Error(`${at}: unterminated label value`);
      rest = rest.slice(1);
      if (c === '"') break;
      if (c === '\n') throw new Error(`${at}: raw newline in label value`);
      if (c === '\\') {
        const e = rest[0];
        rest = rest.slice(1);
        if (e === '\\') value += '\\';
        else if (e === '"') value += '"';
        else if (e === 'n') value += '\n';
        else throw new Error(`${at}: bad escape \\${e}`);
      } else value += c;
    }
    if (name in labels) throw new Error(`${at}: label ${name} twice`);
    labels[name] = value;
    if (rest.startsWith(',')) rest = rest.slice(1);
    else if (!rest.startsWith('}')) throw new Error(`${at}: expected , or } after label ${name}`);
  }
  return { labels, rest: rest.slice(1) };
}

export function parsePrometheusText(text: string): Map<string, Family> {
  if (!text.endsWith('\n')) throw new Error('the exposition must end with a newline');
  const families = new Map<string, Family>();
  const seen = new Set<string>();
  let current: Family | undefined;
  const closed = new Set<string>();
  text
    .slice(0, -1)
    .split('\n')
    .forEach((line, i) => {
      const at = `line ${i + 1}`;
      const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (meta) {
        const [, kind, name, rest] = meta as unknown as [string, string, string, string];
        if (!metricName.test(name) || metricName.exec(name)![0] !== name) throw new Error(`${at}: bad metric name ${name}`);
        let family = families.get(name);
        if (!family) {
          if (current) closed.add(current.name);
          family = { name, type: 'untyped', help: '', samples: [] };
          families.set(name, family);
          current = family;
        }
        if (family.samples.length > 0) throw new Error(`${at}: ${kind} of ${name} after its samples`);
        if (kind === 'TYPE') {
          if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest)) throw new Error(`${at}: bad type ${rest}`);
          family.type = rest;
        } else family.help = rest;
        return;
      }
      if (line.startsWith('#')) return; // a comment
      const name = metricName.exec(line)?.[0];
      if (!name) throw new Error(`${at}: not a sample: ${line}`);
      let rest = line.slice(name.length);
      let labels: Record<string, string> = {};
      if (rest.startsWith('{')) ({ labels, rest } = parseLabels(rest, at));
      const parts = rest.split(' ');
      if (parts[0] !== '' || parts.length < 2 || parts.length > 3) throw new Error(`${at}: expected one space, a value and an optional timestamp: ${line}`);
      if (!floatValue.test(parts[1]!)) throw new Error(`${at}: bad value ${parts[1]}`);
      const family = familyOf(name, families);
      if (!family) throw new Error(`${at}: sample ${name} without HELP/TYPE`);
      if (closed.has(family.name) || family !== current) throw new Error(`${at}: samples of ${family.name} not contiguous`);
      const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
      if (seen.has(key)) throw new Error(`${at}: series twice: ${line}`);
      seen.add(key);
      const value = parts[1] === '+Inf' ? Infinity : parts[1] === '-Inf' ? -Infinity : Number(parts[1]);
      family.samples.push({ name, labels, value });
    });
  return families;
}
