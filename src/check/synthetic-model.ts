// `tsyolo modules --check` for a block no checked YAML uses: a tiny model around it (Conv → Conv → block → Detect,
// every layer 32 channels so a channel argument guessed as 32 always matches its input; a head gets two levels of its
// own instead). The block's YAML args are guessed from its spec's `doc.args` (required names such as c2, k, s, nc,
// anchors), else from its channel rule alone; the candidates are tried in order and the first one that builds is
// checked. A block none of them builds "needs a YAML": `modules --check --cfg my.yaml` checks it inside a real one.
import type { ModuleSpec } from '../yolo/block.ts';
import type { LayerRow, ModelConfig } from '../yolo/model-config.ts';

/** Every synthetic layer's width: a guessed channel argument equals the block's input channels. */
export const SYNTHETIC_CHANNELS = 32;

/** A guess at the YAML args of a required parameter, by its name in `doc.args`; undefined when not guessable. */
function guessArg(name: string): unknown {
  const n = name.trim().toLowerCase();
  if (/^(c2|c_|c|c1|ch|chs|channel|channels|num_channels|out|outc|oup|out_channels|out_channel|ouc|inp|in_channels|planes|in_planes|dim|dims|hidden|c_out|filters|width)$/.test(n)) return SYNTHETIC_CHANNELS;
  if (n === 'nc' || n === 'num_classes') return 'nc';
  if (n === 'anchors' || n === 'na') return 'anchors';
  // 1: keeps the map's size whatever the padding rule (a transposed conv's k=3, p=0 would grow 32 → 34, and the
  // synthetic model's stride would no longer be a whole number).
  if (/^(k|ks|k_size|ksize|kernel|kernel_size)$/.test(n)) return 1;
  if (/^(s|stride)$/.test(n)) return 1;
  if (/^(n|number|repeats|depth)$/.test(n)) return 1;
  if (/^(g|groups)$/.test(n)) return 1;
  if (/^(d|dimension|dilation)$/.test(n)) return 1;
  if (/^(e|expansion)$/.test(n)) return 0.5;
  if (/^(r|reduction|ratio)$/.test(n)) return 4;
  if (/^(gain|scale_factor|scale|factor|up|upscale|downscale)$/.test(n)) return 2;
  if (n === 'size') return 'None';
  if (n === 'mode') return 'nearest';
  return undefined;
}

/** Top-level items of a doc args list such as `[c2, k=(5, 9, 13), shortcut=True]` (brackets and quotes nest). */
export function splitDocArgs(doc: string): string[] {
  const body = doc.trim().replace(/^\[/, '').replace(/\]$/, '');
  const items: string[] = [];
  let depth = 0;
  let quote = '';
  let cur = '';
  for (const ch of body) {
    if (quote) {
      if (ch === quote) quote = '';
    } else if (ch === '"' || ch === "'") quote = ch;
    else if ('([{'.includes(ch)) depth++;
    else if (')]}'.includes(ch)) depth--;
    else if (ch === ',' && depth === 0) {
      items.push(cur.trim());
      cur = '';
      continue;
    }
    cur += ch;
  }
  if (cur.trim()) items.push(cur.trim());
  return items;
}

/** The required args named in `doc.args` (those without a default), guessed; undefined when one cannot be. */
export function argsFromDoc(spec: ModuleSpec): unknown[] | undefined {
  if (!spec.doc?.args) return undefined;
  const required = splitDocArgs(spec.doc.args).filter((a) => !a.includes('='));
  const need = Math.max(spec.argCount[0], 0);
  const guessed = required.slice(0, Math.max(need, required.length)).map((a) => guessArg(a.replace(/^\*+/, '')));
  if (guessed.some((g) => g === undefined)) return undefined;
  return guessed;
}

function fitsArgCount(spec: ModuleSpec, args: unknown[]): boolean {
  return args.length >= spec.argCount[0] && args.length <= spec.argCount[1];
}

/** Args from the channel rule alone. */
function argsFromRule(spec: ModuleSpec): unknown[][] {
  switch (spec.channels) {
    case 'width':
    case 'width-repeats-inside':
      return [[SYNTHETIC_CHANNELS]];
    case 'concat':
      return [[1], []];
    case 'same':
      return [[]];
    case 'detect':
      return [['nc', 'anchors']];
    default:
      return [[], [SYNTHETIC_CHANNELS]];
  }
}

export interface SyntheticCandidate {
  config: ModelConfig;
  /** The block's row, e.g. `[-1, 1, CBAM, [32]]` (for messages). */
  row: string;
}

const conv = (s: number): LayerRow => [-1, 1, 'Conv', [SYNTHETIC_CHANNELS, 3, s]];
const ANCHOR_LEVEL = [10, 13, 16, 30, 33, 23];

/** Body layout: Conv (stride 2) → Conv → the block → Detect; or, for a head, Conv → Conv → the block on both. */
function layout(spec: ModuleSpec, from: number | number[], args: unknown[], head: boolean): SyntheticCandidate {
  const row: LayerRow = [from, 1, spec.name, args];
  const config: ModelConfig = head
    ? { nc: 2, depth_multiple: 1, width_multiple: 1, anchors: [ANCHOR_LEVEL, [30, 61, 62, 45, 59, 119]], backbone: [conv(2), conv(2)], head: [row] }
    : { nc: 2, depth_multiple: 1, width_multiple: 1, anchors: [ANCHOR_LEVEL], backbone: [conv(2), conv(1), row], head: [[[-1], 1, 'Detect', ['nc', 'anchors']]] };
  return { config, row: JSON.stringify(row).replace(/,/g, ', ').replace(/"/g, '') };
}

/** The synthetic models to try for `spec`, best guess first. */
export function syntheticCandidates(spec: ModuleSpec): SyntheticCandidate[] {
  const argLists: unknown[][] = [];
  const add = (a: unknown[] | undefined) => {
    if (a && fitsArgCount(spec, a) && !argLists.some((b) => JSON.stringify(b) === JSON.stringify(a))) argLists.push(a);
  };
  add(argsFromDoc(spec));
  for (const a of argsFromRule(spec)) add(a);
  const out: SyntheticCandidate[] = [];
  const isHead = spec.channels === 'detect';
  const froms: Array<number | number[]> = spec.channels === 'concat' ? [[-1, 0], -1] : [-1, [-1, 0], [-1, 0, 1]];
  if (!isHead) for (const args of argLists) for (const f of froms) out.push(layout(spec, f, args, false));
  // A head (or a block that only builds as the last layer, reading two levels).
  for (const args of argLists.length > 0 ? argLists : [['nc', 'anchors']]) out.push(layout(spec, [0, 1], args, true));
  return out;
}
