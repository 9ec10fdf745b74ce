// The zone and mask editor's YAML, with no DOM: the lines of one zone, line or mask in the pipeline vocabulary
// (docs/zones.md, docs/tracking.md, the motion section: `points`, `units: pixels | fraction`), and their
// insertion into a pipeline file written in block style. Runs in the page and in Node (tested there too).

/** What the editor draws: where each kind lives in a pipeline, and its point count. */
export const SHAPES = {
  zone: { path: ['zones'], minPoints: 3, maxPoints: Infinity, named: true, label: 'zone (polygon)' },
  line: { path: ['lines'], minPoints: 2, maxPoints: 2, named: true, label: 'line (A to B)' },
  'track-mask': { path: ['track', 'masks'], minPoints: 3, maxPoints: Infinity, named: false, label: 'tracking mask' },
  'motion-mask': { path: ['motion', 'masks'], minPoints: 3, maxPoints: Infinity, named: true, label: 'motion mask' },
};

/**
 * Points in frame pixels to the file's units: whole pixels within 0..width and 0..height, or fractions of the
 * frame with 3 decimals within 0..1 (a thousandth of 1920 pixels is under 2 pixels).
 */
export function convertPoints(points, units, frame) {
  const clamp = (v, hi) => Math.min(hi, Math.max(0, v));
  return points.map(([x, y]) =>
    units === 'fraction'
      ? [round(clamp(x / frame.width, 1), 3), round(clamp(y / frame.height, 1), 3)]
      : [Math.round(clamp(x, frame.width)), Math.round(clamp(y, frame.height))],
  );
}

function round(value, digits) {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** `[[x, y], ...]` as YAML flow text. */
export function flowPoints(points) {
  return `[${points.map(([x, y]) => `[${x}, ${y}]`).join(', ')}]`;
}

/**
 * The lines of one list item (the dash at column 0) for `shape` = { kind, name, units, points (frame pixels),
 * frame: {width, height} }. Names are kept to the zone-name rule by the caller; here they are quoted when YAML
 * would read them as something else.
 */
export function itemLines(shape) {
  const spec = SHAPES[shape.kind];
  const out = [];
  if (spec.named) out.push(`name: ${yamlScalar(shape.name || shape.kind)}`);
  if (shape.units === 'fraction') out.push('units: fraction');
  out.push(`points: ${flowPoints(convertPoints(shape.points, shape.units, shape.frame))}`);
  return out.map((line, i) => (i === 0 ? `- ${line}` : `  ${line}`));
}

/** The whole snippet with its parent keys, ready to paste under the pipeline (at the pipeline's key indent). */
export function snippet(shape) {
  const path = SHAPES[shape.kind].path;
  const lines = path.map((key, depth) => `${'  '.repeat(depth)}${key}:`);
  const indent = '  '.repeat(path.length);
  for (const line of itemLines(shape)) lines.push(indent + line);
  return lines.join('\n');
}

function yamlScalar(text) {
  return /^[a-z0-9][a-z0-9_-]*$/i.test(text) && !/^(true|false|null|yes|no|on|off|~)$/i.test(text) ? text : JSON.stringify(text);
}

const indentOf = (line) => line.length - line.trimStart().length;
const isContent = (line) => line.trim() !== '' && !line.trim().startsWith('#');

/** Index after the last content line of lines[from..to) (where to append), or `from` when there is none. */
function endOfContent(lines, from, to) {
  let end = from;
  for (let i = from; i < to; i++) if (isContent(lines[i])) end = i + 1;
  return end;
}

/** The block of `key:` among the lines [from, to) whose keys are at column `indent`. */
function findKey(lines, from, to, indent, key) {
  const pattern = new RegExp(`^${key}:(\\s.*)?$`);
  for (let i = from; i < to; i++) {
    const line = lines[i];
    if (!isContent(line) || indentOf(line) !== indent) continue;
    const body = line.slice(indent);
    if (!pattern.test(body)) continue;
    const value = body.slice(key.length + 1).replace(/\s+#.*$/, '').trim();
    // The block ends at the next content line at this indent or less, except a list written at the key's own indent.
    let end = i + 1;
    while (end < to) {
      const next = lines[end];
      if (isContent(next) && (indentOf(next) < indent || (indentOf(next) === indent && !next.slice(indent).startsWith('-')))) break;
      end++;
    }
    return { line: i, value, end };
  }
  return null;
}

/** Lines [start, end) of the pipeline item named `name` in the top-level `pipelines:` list, with its key column. */
function findPipeline(lines, name) {
  const top = findKey(lines, 0, lines.length, 0, 'pipelines');
  if (!top) return { error: 'the file has no top-level "pipelines:" list' };
  if (top.value !== '') return { error: '"pipelines:" is written in flow style ([...]): paste the lines by hand' };
  let i = top.line + 1;
  while (i < top.end) {
    const line = lines[i];
    if (!isContent(line) || !line.trimStart().startsWith('-')) {
      i++;
      continue;
    }
    const dash = indentOf(line);
    let end = i + 1;
    while (end < top.end && !(isContent(lines[end]) && indentOf(lines[end]) <= dash)) end++;
    const afterDash = line.slice(dash + 1);
    const keyIndent = afterDash.trim() === '' ? indentOf(lines.slice(i + 1, end).find(isContent) ?? '  ') : dash + 1 + (afterDash.length - afterDash.trimStart().length);
    const item = lines.slice(i, end).map((l, k) => (k === 0 ? ' '.repeat(keyIndent) + afterDash.trimStart() : l));
    const nameKey = findKey(item, 0, item.length, keyIndent, 'name');
    const itemName = nameKey ? nameKey.value.replace(/^(['"])(.*)\1$/, '$2') : undefined;
    if (itemName === name) return { start: i, end, keyIndent, item };
    i = end;
  }
  return { error: `the file has no pipeline named "${name}"` };
}

/**
 * `text` with the item lines of `shape` added to the pipeline `pipeline`: appended to its existing list
 * (zones, lines, track.masks or motion.masks) or in a new one at the end of the pipeline. Returns { text } or
 * { error } when the file is not in the block style this understands (then the snippet is pasted by hand).
 */
export function insertShape(text, pipeline, shape) {
  const newline = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text.split(/\r?\n/);
  const found = findPipeline(lines, pipeline);
  if (found.error) return { error: found.error };
  const path = SHAPES[shape.kind].path;
  const item = itemLines(shape);
  // Work on the pipeline's own lines (the first with its dash replaced by spaces) and map indices back.
  let from = 0;
  let to = found.item.length;
  let indent = found.keyIndent;
  for (let depth = 0; depth < path.length; depth++) {
    const key = path[depth];
    const block = findKey(found.item, from, to, indent, key);
    if (!block) {
      const at = endOfContent(found.item, from, to);
      const added = path.slice(depth).map((k, d) => `${' '.repeat(indent + 2 * d)}${k}:`);
      const itemIndent = ' '.repeat(indent + 2 * (path.length - depth));
      for (const line of item) added.push(itemIndent + line);
      return { text: splice(lines, found.start + at, added).join(newline) };
    }
    if (block.value !== '') {
      return { error: `"${path.slice(0, depth + 1).join('.')}" of pipeline "${pipeline}" is written on one line (${block.value}): paste the lines by hand` };
    }
    from = block.line + 1;
    to = block.end;
    if (depth < path.length - 1) {
      const child = found.item.slice(from, to).find(isContent);
      indent = child ? indentOf(child) : indent + 2;
    } else {
      const first = found.item.slice(from, to).find(isContent);
      const dashIndent = first && first.trimStart().startsWith('-') ? indentOf(first) : indent + 2;
      const at = endOfContent(found.item, from, to);
      return { text: splice(lines, found.start + Math.max(at, from), item.map((line) => ' '.repeat(dashIndent) + line)).join(newline) };
    }
  }
  return { error: 'nothing to insert' };
}

function splice(lines, at, added) {
  return [...lines.slice(0, at), ...added, ...lines.slice(at)];
}
