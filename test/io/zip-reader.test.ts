import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { unzipSync, zipSync } from 'fflate';

import { crc32, looksLikeZip, readZip } from '../../src/io/zip-reader.ts';

const FIXTURES = new URL('../fixtures/', import.meta.url).pathname;
const text = (s: string) => new TextEncoder().encode(s);

test('lists and reads every entry of a torch.save archive like an independent unzip (fflate)', () => {
  const bytes = readFileSync(join(FIXTURES, 'yolov5n-shufflenetv2.pt'));
  const zip = readZip(bytes, 'yolov5n-shufflenetv2.pt');
  const reference = unzipSync(bytes);
  assert.deepEqual(new Set(zip.names()), new Set(Object.keys(reference)));
  assert.equal(zip.entries.length, 351);
  assert.ok(zip.entries.every((e) => e.method === 0), 'torch.save stores entries uncompressed');
  for (const [name, data] of Object.entries(reference)) assert.deepEqual(new Uint8Array(zip.read(name)), data, name);
  assert.equal(new TextDecoder().decode(zip.read('yolov5n-shufflenetv2/version')), '3\n');
});

test('reads deflated entries', () => {
  const payload = text('tsyolo '.repeat(1000));
  const bytes = zipSync({ 'a/deflated.txt': [payload, { level: 9 }], 'a/stored.txt': [text('plain'), { level: 0 }] });
  const zip = readZip(bytes, 'mixed.zip');
  assert.equal(zip.entries.find((e) => e.name === 'a/deflated.txt')?.method, 8);
  assert.ok(zip.entries.find((e) => e.name === 'a/deflated.txt')!.compressedSize < payload.length / 10);
  assert.deepEqual(new Uint8Array(zip.read('a/deflated.txt')), payload);
  assert.equal(new TextDecoder().decode(zip.read('a/stored.txt')), 'plain');
});

test('crc32 matches the standard check value', () => {
  assert.equal(crc32(text('123456789')), 0xcbf43926);
  assert.equal(crc32(new Uint8Array(0)), 0);
});

test('truncated, random and corrupted archives give errors naming the file', () => {
  const bytes = readFileSync(join(FIXTURES, 'yolov5n-shufflenetv2.pt'));
  assert.ok(looksLikeZip(bytes));
  assert.throws(() => readZip(bytes.subarray(0, bytes.length - 100), 'cut.pt'), /^Error: cut\.pt: .*truncated/);
  assert.throws(() => readZip(bytes.subarray(0, 10), 'tiny.pt'), /^Error: tiny\.pt: not a zip archive/);
  const random = new Uint8Array(4096).map((_, i) => (i * 2654435761) >>> 24);
  assert.throws(() => readZip(random, 'random.pt'), /^Error: random\.pt: not a zip archive/);

  // Flip one byte inside a stored entry's data: the CRC-32 check must catch it.
  const zip = readZip(bytes, 'ok.pt');
  const entry = zip.entries.find((e) => e.name.endsWith('/data/0'))!;
  const damaged = new Uint8Array(bytes);
  const nameLen = entry.name.length;
  const dataStart = entry.localHeaderOffset + 30 + nameLen + new DataView(damaged.buffer).getUint16(entry.localHeaderOffset + 28, true);
  damaged[dataStart + 3]! ^= 0xff;
  assert.throws(() => readZip(damaged, 'flip.pt').read(entry.name), /flip\.pt: zip entry '.*\/data\/0' is corrupt \(CRC-32 mismatch\)/);
  assert.throws(() => zip.read('nope'), /ok\.pt: zip archive has no entry 'nope'/);
});
