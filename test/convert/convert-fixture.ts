// Helpers for the converter tests: the fixture folder (made by test/fixtures/analysis/convert/make_convert_fixtures.py
// running JSON2YOLO and YOLOv5's VOC script), scratch folders, and file-tree comparison.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { after } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { ConvertProblem } from '../../src/convert/report.ts';

export const FIX = resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures/analysis/convert');
export const EXPECTED = join(FIX, 'expected');

/** A scratch folder removed after the test file. */
export function scratch(tag: string): string {
  const dir = mkdtempSync(join(tmpdir(), `tsyolo-convert-${tag}-`));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Every file under `dir`, as sorted '/'-separated relative paths. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else out.push(relative(dir, join(d, e.name)).split('\\').join('/'));
    }
  };
  walk(dir);
  return out.sort();
}

/** The same files with the same bytes; `except` maps a relative path to a line filter applied to both sides. */
export function assertSameTree(actual: string, expected: string, except: Record<string, (line: string) => boolean> = {}): void {
  assert.deepEqual(listFiles(actual), listFiles(expected), 'the same files');
  for (const f of listFiles(expected)) {
    const a = readFileSync(join(actual, f));
    const e = readFileSync(join(expected, f));
    const keep = except[f];
    if (keep) {
      const lines = (b: Buffer) => b.toString('utf8').split('\n').filter(keep);
      assert.deepEqual(lines(a), lines(e), f);
    } else assert.equal(a.toString('latin1'), e.toString('latin1'), f);
  }
}

/** A problem collector for a converter's onProblem. */
export function problems(): { list: ConvertProblem[]; on: (p: ConvertProblem) => void; text: () => string[] } {
  const list: ConvertProblem[] = [];
  return { list, on: (p) => list.push(p), text: () => list.map((p) => `${p.file}: ${p.message}`) };
}
