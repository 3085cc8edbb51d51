// Issue #23: every train run folder holds a TensorBoard event file as YOLOv5 v7.0's logger writes it (PyTorch's
// SummaryWriter): results.csv's columns as scalars per epoch under the same tags, the plots as images; read back
// here by a reader written for this test alone (its own CRC-32C and protobuf wire decoding), not tsyolo's writer.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { REPO, baseArgs, type CliRun, makeDigits, readResults, runCli } from './harness.ts';

// ------------------------------------------------------------------------------------------------ the reader

/** CRC-32C bit by bit (Castagnoli, reflected), then TFRecord's mask. */
function maskedCrc(bytes: Uint8Array): number {
  let crc = ~0 >>> 0;
  for (const b of bytes) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  crc = ~crc >>> 0;
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) % 2 ** 32;
}

function records(buf: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let p = 0;
  while (p < buf.length) {
    assert.ok(p + 12 <= buf.length, 'a whole record header');
    const len = Number(view.getBigUint64(p, true));
    assert.equal(view.getUint32(p + 8, true), maskedCrc(buf.subarray(p, p + 8)), `length CRC of record ${out.length}`);
    const data = buf.subarray(p + 12, p + 12 + len);
    assert.equal(data.length, len, 'a whole record');
    assert.equal(view.getUint32(p + 12 + len, true), maskedCrc(data), `data CRC of record ${out.length}`);
    out.push(data);
    p += 12 + len + 4;
  }
  return out;
}

type Field = { no: number; wire: number; varint?: bigint; bytes?: Uint8Array; fixed?: DataView };

/** Protobuf wire format: (field number, wire type, value) triples. */
function fields(buf: Uint8Array): Field[] {
  const out: Field[] = [];
  let p = 0;
  const varint = (): bigint => {
    let v = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const b = buf[p++]!;
      v |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
  };
  while (p < buf.length) {
    const key = Number(varint());
    const no = key >>> 3;
    const wire = key & 7;
    if (wire === 0) out.push({ no, wire, varint: varint() });
    else if (wire === 1 || wire === 5) {
      const n = wire === 1 ? 8 : 4;
      out.push({ no, wire, fixed: new DataView(buf.buffer, buf.byteOffset + p, n) });
      p += n;
    } else if (wire === 2) {
      const n = Number(varint());
      out.push({ no, wire, bytes: buf.subarray(p, p + n) });
      p += n;
    } else throw new Error(`wire type ${wire}`);
  }
  return out;
}

interface ReadImage { height: number; width: number; colorspace: number; encoded: Uint8Array }
interface ReadEvent { wallTime: number; step: number; fileVersion?: string; values: Array<{ tag: string; simpleValue?: number; image?: ReadImage }> }

// tensorflow/core/util/event.proto: Event { double wall_time = 1; int64 step = 2; string file_version = 3;
// Summary summary = 5 }; summary.proto: Summary { repeated Value value = 1 }, Value { string tag = 1;
// float simple_value = 2; Image image = 4 }, Image { int32 height = 1; int32 width = 2; int32 colorspace = 3;
// bytes encoded_image_string = 4 }.
function parseEvent(buf: Uint8Array): ReadEvent {
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  const e: ReadEvent = { wallTime: 0, step: 0, values: [] };
  for (const f of fields(buf)) {
    if (f.no === 1) e.wallTime = f.fixed!.getFloat64(0, true);
    else if (f.no === 2) e.step = Number(f.varint!);
    else if (f.no === 3) e.fileVersion = text(f.bytes!);
    else if (f.no === 5) {
      for (const v of fields(f.bytes!)) {
        assert.equal(v.no, 1, 'Summary holds values only');
        const value: ReadEvent['values'][number] = { tag: '' };
        for (const g of fields(v.bytes!)) {
          if (g.no === 1) value.tag = text(g.bytes!);
          else if (g.no === 2) value.simpleValue = g.fixed!.getFloat32(0, true);
          else if (g.no === 4) {
            const img: ReadImage = { height: 0, width: 0, colorspace: 0, encoded: new Uint8Array() };
            for (const h of fields(g.bytes!)) {
              if (h.no === 1) img.height = Number(h.varint!);
              else if (h.no === 2) img.width = Number(h.varint!);
              else if (h.no === 3) img.colorspace = Number(h.varint!);
              else if (h.no === 4) img.encoded = h.bytes!;
            }
            value.image = img;
          } else throw new Error(`unexpected Summary.Value field ${g.no}`);
        }
        e.values.push(value);
      }
    } else throw new Error(`unexpected Event field ${f.no}`);
  }
  return e;
}

/** A PNG's IHDR size. */
function pngSize(png: Uint8Array): { width: number; height: number } {
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a PNG');
  const v = new DataView(png.buffer, png.byteOffset);
  return { width: v.getUint32(16), height: v.getUint32(20) };
}

// ------------------------------------------------------------------------------------------------ the runs

let base = '';
let data = '';
let project = '';
let run: CliRun;
let t0 = 0;

before(async () => {
  ({ base, data } = await makeDigits('tensorboard'));
  project = join(base, 'runs', 'train');
  t0 = Date.now() / 1000;
  run = await runCli([...baseArgs(data, project), '--epochs', '2'], base);
});
after(() => rmSync(base, { recursive: true, force: true }));

const RESULT_TAGS = ['train/box_loss', 'train/obj_loss', 'train/cls_loss', 'metrics/precision', 'metrics/recall', 'metrics/mAP_0.5', 'metrics/mAP_0.5:0.95', 'val/box_loss', 'val/obj_loss', 'val/cls_loss', 'x/lr0', 'x/lr1', 'x/lr2'];

function eventsOf(dir: string): { name: string; events: ReadEvent[] } {
  const names = readdirSync(dir).filter((f) => f.startsWith('events.out.tfevents.'));
  assert.equal(names.length, 1, `one event file in ${readdirSync(dir).join(', ')}`);
  return { name: names[0]!, events: records(readFileSync(join(dir, names[0]!))).map(parseEvent) };
}

test('the run folder holds events.out.tfevents.<time>.<host>.<pid>.<n>, starting with the brain.Event:2 version', () => {
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, new RegExp(`^TensorBoard: Start with 'tensorboard --logdir ${project.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}', view at http://localhost:6006/$`, 'm'));
  const { name, events } = eventsOf(join(project, 'exp'));
  const m = /^events\.out\.tfevents\.(\d{10})\.(.+)\.(\d+)\.(\d+)$/.exec(name);
  assert.ok(m, name);
  assert.ok(Number(m[1]) >= Math.floor(t0) && Number(m[1]) <= Date.now() / 1000, `file time ${m[1]} within the run`);
  assert.equal(m[2], hostname());
  assert.equal(events[0]!.fileVersion, 'brain.Event:2');
  assert.deepEqual(events[0]!.values, []);
  for (const e of events) assert.ok(e.wallTime >= t0 - 1 && e.wallTime <= Date.now() / 1000 + 1, `wall_time ${e.wallTime}`);
});

test("the scalars are results.csv's: every epoch, every column, under its header's tags", () => {
  const { events } = eventsOf(join(project, 'exp'));
  const { rows } = readResults(join(project, 'exp', 'results.csv'));
  assert.equal(rows.length, 2);
  const scalars = new Map<string, Map<number, number>>();
  for (const e of events) {
    for (const v of e.values) {
      if (v.simpleValue === undefined) continue;
      const byStep = scalars.get(v.tag) ?? new Map<number, number>();
      assert.ok(!byStep.has(e.step), `${v.tag} once at step ${e.step}`);
      byStep.set(e.step, v.simpleValue);
      scalars.set(v.tag, byStep);
    }
  }
  assert.deepEqual([...scalars.keys()], RESULT_TAGS);
  for (const row of rows) {
    const epoch = row[0]!;
    RESULT_TAGS.forEach((tag, j) => {
      const csv = row[j + 1]!;
      const tb = scalars.get(tag)!.get(epoch);
      assert.ok(tb !== undefined, `${tag} at epoch ${epoch}`);
      // results.csv keeps 5 significant digits ('%20.5g'), the event a float32: equal within both roundings.
      const tol = csv === 0 ? 0 : 0.5 * 10 ** (Math.floor(Math.log10(Math.abs(csv))) - 4) + Math.abs(csv) * 2 ** -23;
      assert.ok(Math.abs(tb - csv) <= tol, `${tag} epoch ${epoch}: event ${tb} vs results.csv ${csv}`);
    });
  }
  assert.deepEqual([...scalars.get('x/lr0')!.keys()], [0, 1]);
});

test('the plots are images: labels and train batches as they are written, the results at the end (PNG, RGB)', async () => {
  const exp = join(project, 'exp');
  const { events } = eventsOf(exp);
  const images = events.flatMap((e) => e.values.filter((v) => v.image).map((v) => ({ step: e.step, tag: v.tag, image: v.image! })));
  // 16 images at batch 8: train_batch0/1 in epoch 0, train_batch2 in epoch 1; then v7.0's on_train_end list, those
  // of its files that the run wrote (the curves only when val had detections), at the last epoch.
  const atEnd = ['results.png', 'confusion_matrix.png', 'F1_curve.png', 'PR_curve.png', 'P_curve.png', 'R_curve.png'].filter((f) => existsSync(join(exp, f)));
  assert.ok(atEnd.includes('results.png') && atEnd.includes('confusion_matrix.png'), atEnd.join(', '));
  const expected: Array<[string, number, string]> = [
    ['labels', 0, 'labels.jpg'],
    ['train_batch0', 0, 'train_batch0.jpg'],
    ['train_batch1', 0, 'train_batch1.jpg'],
    ['train_batch2', 1, 'train_batch2.jpg'],
    ...atEnd.map((f): [string, number, string] => [f.replace('.png', ''), 1, f]),
  ];
  assert.deepEqual(images.map((i) => [i.tag, i.step]), expected.map(([tag, step]) => [tag, step]));
  for (const [tag, , file] of expected) {
    const { image } = images.find((i) => i.tag === tag)!;
    const meta = await sharp(join(exp, file)).metadata();
    assert.deepEqual(pngSize(image.encoded), { width: meta.width, height: meta.height }, tag);
    assert.deepEqual([image.width, image.height, image.colorspace], [meta.width, meta.height, 3], tag);
    // The pixels are the file's: the PNG decodes to the RGB of the image file.
    const fromEvent = await sharp(image.encoded).raw().toBuffer();
    const fromFile = await sharp(join(exp, file)).removeAlpha().raw().toBuffer();
    assert.ok(fromEvent.equals(fromFile), `${tag}: pixels of ${file}`);
  }
});

test("Google's protobuf runtime (python3-protobuf) reads the same events", () => {
  const exp = join(project, 'exp');
  const { name, events } = eventsOf(exp);
  const r = spawnSync('/usr/bin/python3', [join(REPO, 'test/fixtures/tensorboard/read_events.py'), join(exp, name)], { encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, r.stderr);
  const py = JSON.parse(r.stdout) as Array<{ wall_time: number; step: number; file_version?: string; values?: Array<{ tag: string; simple_value?: number; image?: number[] }> }>;
  assert.equal(py.length, events.length);
  events.forEach((e, i) => {
    const p = py[i]!;
    assert.equal(p.wall_time, e.wallTime);
    assert.equal(p.step, e.step);
    assert.equal(p.file_version, e.fileVersion);
    const values = e.values.map((v) => (v.image ? { tag: v.tag, image: [v.image.width, v.image.height, v.image.colorspace, v.image.encoded.length] } : { tag: v.tag, simple_value: v.simpleValue }));
    assert.deepEqual(p.values ?? [], values, `event ${i}`);
  });
});

test('--tensorboard false writes no event file and no TensorBoard line', async () => {
  const off = await runCli([...baseArgs(data, project), '--epochs', '1', '--noplots', '--name', 'off', '--tensorboard', 'false'], base);
  assert.equal(off.code, 0, off.stderr);
  assert.deepEqual(readdirSync(join(project, 'off')).filter((f) => f.includes('tfevents')), []);
  assert.doesNotMatch(off.stdout, /TensorBoard:/);
  const bad = await runCli([...baseArgs(data, project), '--epochs', '1', '--name', 'bad', '--tensorboard', 'maybe'], base);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /--tensorboard takes true or false, got 'maybe'/);
});
