// Child process of loader-fuzz.test.ts: loads each case file with its format's loader and prints one JSON line per
// case. A crash or hang of this process is what the parent looks for; it never catches more than Error.
import { readFileSync } from 'node:fs';
import { type HostTensor, bfloat16ToFloat, halfToFloat } from '../../src/io/host-tensor.ts';
import { parseNpy } from '../../src/io/npy.ts';
import { readSafetensors } from '../../src/io/safetensors.ts';
import { isHostTensor, loadTorchCheckpoint, readYoloCheckpoint } from '../../src/io/torch-checkpoint.ts';

export interface FuzzCase {
  file: string;
  loader: 'safetensors' | 'npy' | 'pt-yolo' | 'pt-plain';
}

/** Whether any float element is NaN or ±Inf. */
function hasNonFinite(t: HostTensor): boolean {
  if (t.dtype === 'float32' || t.dtype === 'float64') return (t.data as Float32Array).some((v) => !Number.isFinite(v));
  if (t.dtype === 'float16') return (t.data as Uint16Array).some((b) => !Number.isFinite(halfToFloat(b)));
  if (t.dtype === 'bfloat16') return (t.data as Uint16Array).some((b) => !Number.isFinite(bfloat16ToFloat(b)));
  return false;
}

/** Every HostTensor reachable from a loaded object graph. */
function tensorsIn(value: unknown, seen = new Set<unknown>()): HostTensor[] {
  if (value === null || typeof value !== 'object' || seen.has(value)) return [];
  seen.add(value);
  if (isHostTensor(value)) return [value];
  const children = value instanceof Map ? [...value.values()] : Object.values(value as Record<string, unknown>);
  return children.flatMap((c) => tensorsIn(c, seen));
}

function load(c: FuzzCase): HostTensor[] {
  if (c.loader === 'safetensors') return [...readSafetensors(c.file).tensors.values()];
  if (c.loader === 'npy') return [parseNpy(new Uint8Array(readFileSync(c.file)), c.file)];
  if (c.loader === 'pt-yolo') return [...readYoloCheckpoint(c.file).stateDict.values()];
  return tensorsIn(loadTorchCheckpoint(c.file));
}

const cases = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as FuzzCase[];
for (const [i, c] of cases.entries()) {
  let line: object;
  try {
    const tensors = load(c);
    line = { i, outcome: 'loaded', nonFinite: tensors.some(hasNonFinite) };
  } catch (e) {
    if (!(e instanceof Error)) throw e;
    line = { i, outcome: 'refused', error: e.constructor.name, message: e.message.slice(0, 300) };
  }
  process.stdout.write(`${JSON.stringify(line)}\n`);
}
