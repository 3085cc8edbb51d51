// Fuzz of the weight/array loaders (.safetensors, .npy, .pt) with a fixed seed: a few hundred mutated files, loaded in
// child processes with a time limit. Wanted: 0 crashes, 0 hangs, every refusal an Error naming the file, and no load
// yielding NaN/Inf unless the mutation only rewrote tensor bytes in place — the one change those formats cannot
// detect (.pt entries carry a CRC-32, so there not even that).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { FuzzCase } from './loader-fuzz-child.ts';

const SEED = 20261201;
const CASES_PER_BASE = 100;
const CASES_PER_CHILD = 50;
const CHILD_TIMEOUT_MS = 90_000;

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
const child = fileURLToPath(new URL('./loader-fuzz-child.ts', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'tsyolo-fuzz-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** mulberry32: a small seeded generator, so every run mutates the same bytes. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Base {
  loader: FuzzCase['loader'];
  file: string;
  /** Where the raw tensor bytes start (in-place changes from here on cannot be detected); Infinity: nowhere. */
  dataStart: (bytes: Uint8Array) => number;
}

const BASES: Base[] = [
  { loader: 'safetensors', file: fixture('reference.safetensors'), dataStart: (b) => 8 + Number(new DataView(b.buffer, b.byteOffset).getBigUint64(0, true)) },
  { loader: 'npy', file: fixture('eval_a_labels.npy'), dataStart: (b) => 10 + new DataView(b.buffer, b.byteOffset).getUint16(8, true) },
  { loader: 'pt-yolo', file: fixture('ema_checkpoint.pt'), dataStart: () => Infinity },
  { loader: 'pt-plain', file: fixture('state_dict_plain.pt'), dataStart: () => Infinity },
];

interface Mutation {
  bytes: Uint8Array;
  what: string;
  /** Only bytes at or after dataStart changed, and the length did not. */
  inPlaceData: boolean;
}

/** One random mutation; half of the positions fall in the first 256 bytes, where headers live. */
function mutate(src: Uint8Array, dataStart: number, rand: () => number): Mutation {
  const int = (n: number) => Math.floor(rand() * n);
  const pos = () => (rand() < 0.5 ? int(Math.min(256, src.length)) : int(src.length));
  const randomBytes = (n: number) => Uint8Array.from({ length: n }, () => int(256));
  const kind = int(6);
  if (kind === 0 || kind === 1) {
    const out = src.slice();
    const at: number[] = [];
    for (let k = 0, n = 1 + int(kind === 0 ? 1 : 8); k < n; k++) {
      const p = pos();
      out[p] = kind === 0 ? out[p]! ^ (1 << int(8)) : int(256);
      at.push(p);
    }
    return { bytes: out, what: `${kind === 0 ? 'bit flip' : 'byte overwrite'} at ${at.join(',')}`, inPlaceData: at.every((p) => p >= dataStart) };
  }
  if (kind === 2) {
    const p = pos();
    const n = 1 + int(8);
    const out = new Uint8Array(src.length + n);
    out.set(src.subarray(0, p));
    out.set(randomBytes(n), p);
    out.set(src.subarray(p), p + n);
    return { bytes: out, what: `${n} bytes inserted at ${p}`, inPlaceData: false };
  }
  if (kind === 3) {
    const p = pos();
    const n = 1 + int(8);
    const out = new Uint8Array(Math.max(0, src.length - n));
    out.set(src.subarray(0, p));
    out.set(src.subarray(p + n).subarray(0, out.length - p), p);
    return { bytes: out, what: `${n} bytes deleted at ${p}`, inPlaceData: false };
  }
  if (kind === 4) {
    const n = int(src.length);
    return { bytes: src.slice(0, n), what: `truncated to ${n}`, inPlaceData: false };
  }
  // A span copied over another: plausible-looking bytes in the wrong place.
  const from = pos();
  const to = pos();
  const n = 1 + int(32);
  const out = src.slice();
  out.set(src.subarray(from, Math.min(src.length, from + n)).subarray(0, Math.max(0, out.length - to)), to);
  const end = to + Math.min(n, src.length - from, out.length - to);
  return { bytes: out, what: `bytes ${from}+${n} copied to ${to}`, inPlaceData: to >= dataStart || end <= to };
}

test(`loader fuzz: ${CASES_PER_BASE * BASES.length} mutated .safetensors/.npy/.pt files, seed ${SEED}`, () => {
  const rand = seeded(SEED);
  const cases: Array<FuzzCase & { what: string; inPlaceData: boolean }> = [];
  for (const base of BASES) {
    const src = new Uint8Array(readFileSync(base.file));
    const dataStart = base.dataStart(src);
    for (let k = 0; k < CASES_PER_BASE; k++) {
      const m = mutate(src, dataStart, rand);
      const file = join(work, `case-${cases.length}-${base.loader}.${base.loader.startsWith('pt') ? 'pt' : base.loader}`);
      writeFileSync(file, m.bytes);
      cases.push({ file, loader: base.loader, what: m.what, inPlaceData: m.inPlaceData });
    }
  }
  // The unmutated bases load with finite values, so any NaN/Inf below comes from the mutation.
  const baseList = join(work, 'bases.json');
  writeFileSync(baseList, JSON.stringify(BASES.map((b) => ({ file: b.file, loader: b.loader }))));
  const baseRun = spawnSync(process.execPath, ['--import', 'tsx', child, baseList], { encoding: 'utf8', timeout: CHILD_TIMEOUT_MS });
  assert.equal(baseRun.status, 0, baseRun.stderr);
  for (const line of baseRun.stdout.trim().split('\n')) assert.deepEqual(JSON.parse(line).outcome + JSON.parse(line).nonFinite, 'loadedfalse', line);

  const problems: string[] = [];
  const tally = { loaded: 0, refused: 0, nonFiniteInPlace: 0 };
  for (let start = 0; start < cases.length; start += CASES_PER_CHILD) {
    const chunk = cases.slice(start, start + CASES_PER_CHILD);
    const list = join(work, `chunk-${start}.json`);
    writeFileSync(list, JSON.stringify(chunk.map(({ file, loader }) => ({ file, loader }))));
    const r = spawnSync(process.execPath, ['--import', 'tsx', child, list], { encoding: 'utf8', timeout: CHILD_TIMEOUT_MS, maxBuffer: 16 << 20 });
    const lines = r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { i: number; outcome: string; nonFinite?: boolean; error?: string; message?: string });
    if (r.error || r.signal || r.status !== 0) {
      const c = chunk[lines.length];
      problems.push(`child for cases ${start}..${start + chunk.length - 1} ${r.signal ? `died of ${r.signal}` : r.error ? `hung (${r.error.message})` : `exited ${r.status}`} at case ${start + lines.length} (${c?.loader} ${c?.what}): ${r.stderr.slice(-400)}`);
      continue;
    }
    for (const line of lines) {
      const c = chunk[line.i]!;
      const label = `case ${start + line.i} (${c.loader}, ${c.what})`;
      if (line.outcome === 'refused') {
        tally.refused++;
        if (!line.message!.includes(c.file)) problems.push(`${label}: ${line.error} without the file name: ${line.message}`);
      } else {
        tally.loaded++;
        if (line.nonFinite && !c.inPlaceData) problems.push(`${label}: loaded with NaN/Inf values`);
        if (line.nonFinite) tally.nonFiniteInPlace++;
      }
    }
  }
  assert.deepEqual(problems, []);
  assert.equal(tally.loaded + tally.refused, cases.length);
  // Most mutations must be caught; a handful (bytes in JSON padding, tensor bytes of safetensors/.npy) cannot be.
  assert.ok(tally.refused > cases.length * 0.6, `only ${tally.refused} of ${cases.length} mutations refused: ${JSON.stringify(tally)}`);
});
