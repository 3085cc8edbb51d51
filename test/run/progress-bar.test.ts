// Progress bars (issue #23): tqdm's line as YOLOv5 prints it, drawn in place on a terminal and not at all elsewhere —
// the bar itself, val's (the table header as its description, as val.py), detect's under its per-image lines, and
// `tsyolo data digits` in a real pseudo-terminal (script(1)) against a pipe.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { generateDigits } from '../../src/data/digits.ts';
import type { Backend } from '../../src/deploy/backend.ts';
import { detect } from '../../src/detect/detect.ts';
import { ProgressBar, formatBar } from '../../src/run/progress-bar.ts';
import { val } from '../../src/val/val.ts';

const bin = fileURLToPath(new URL('../../bin/tsyolo.js', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'tsyolo-progress-'));
after(() => rmSync(work, { recursive: true, force: true }));

const VAL_HEADER = '                 Class     Images  Instances          P          R      mAP50   mAP50-95';

/** A model that finds nothing: (n, 1, 5+nc) zeros. */
function blind(nc: number): Backend {
  return {
    names: Array.from({ length: nc }, (_, i) => String(i)),
    nc,
    stride: 32,
    fixedInputHW: null,
    dispose() {},
    async forward(_images, [n]) {
      return { data: new Float32Array(n! * (5 + nc)), shape: [n!, 1, 5 + nc], preprocessMs: 0 };
    },
  };
}

test('formatBar gives tqdm’s line in YOLOv5 v7.0’s bar format (fixture made by tqdm itself)', () => {
  const fixture = JSON.parse(readFileSync(new URL('../fixtures/progress/tqdm_lines.json', import.meta.url), 'utf8')) as { cases: Array<{ n: number; total: number; elapsed: number; desc: string; line: string }> };
  assert.ok(fixture.cases.length >= 10);
  for (const c of fixture.cases) assert.equal(`${c.desc ? `${c.desc}: ` : ''}${formatBar(c.n, c.total, c.elapsed)}`, c.line, JSON.stringify(c));
});

test('ProgressBar: redrawn in place at most every minIntervalMs, lines printed above it, left standing or erased', () => {
  let t = 0;
  const out: string[] = [];
  const bar = new ProgressBar(4, { desc: 'work', write: (s) => out.push(s), enabled: true, now: () => t, minIntervalMs: 100 });
  t = 1000;
  bar.update(1);
  assert.deepEqual(out, ['\rwork:  25%|██▌       | 1/4 00:01\x1b[K']);
  t = 1050;
  bar.update(2); // within 100 ms of the last draw: not redrawn
  assert.equal(out.length, 1);
  const log: string[] = [];
  bar.wrap((l) => log.push(l))('a line above the bar');
  assert.deepEqual(log, ['a line above the bar']);
  assert.deepEqual(out.slice(1), ['\r\x1b[K', '\rwork:  50%|█████     | 2/4 00:01\x1b[K'], 'erased, the line printed, redrawn');
  t = 8000;
  bar.update(4); // the total is always drawn
  assert.equal(out.at(-1), '\rwork: 100%|██████████| 4/4 00:08\x1b[K');
  bar.end();
  assert.deepEqual(out.slice(-2), ['\rwork: 100%|██████████| 4/4 00:08\x1b[K', '\n'], 'left standing');
  const erased: string[] = [];
  const gone = new ProgressBar(2, { write: (s) => erased.push(s), enabled: true, now: () => 0 });
  gone.update(3); // more than an estimated total: the total grows
  gone.end(false);
  assert.deepEqual(erased, ['\r100%|██████████| 3/3 00:00\x1b[K', '\r\x1b[K']);
  const quiet: string[] = [];
  const off = new ProgressBar(2, { write: (s) => quiet.push(s), enabled: false });
  off.update(1);
  off.wrap(() => {})('x');
  off.end();
  assert.deepEqual(quiet, [], 'not a terminal: nothing drawn');
});

test('val: on a terminal the table header is the bar’s description, left standing at 100%; elsewhere the header alone', async () => {
  const { yamlPath } = await generateDigits({ out: join(work, 'digits'), train: 2, val: 6, img: 64, seed: 3 });
  const drawn: string[] = [];
  const lines: string[] = [];
  await val({ data: yamlPath, model: blind(10), imgsz: 64, batchSize: 2, workers: 0, plots: false, progress: true, write: (s) => drawn.push(s), log: (s) => lines.push(s) });
  const final = drawn.at(-2)!;
  assert.match(final, new RegExp(`^\\r${VAL_HEADER}: 100%\\|██████████\\| 3/3 \\d\\d:\\d\\d\\x1b\\[K$`));
  assert.equal(drawn.at(-1), '\n');
  assert.ok(!lines.includes(VAL_HEADER), 'the header is not printed a second time');
  assert.match(lines.find((l) => l.includes(' all '))!, /^ {19}all {10}6 /);

  const plain: string[] = [];
  const quiet: string[] = [];
  await val({ data: yamlPath, model: blind(10), imgsz: 64, batchSize: 2, workers: 0, plots: false, progress: false, write: (s) => quiet.push(s), log: (s) => plain.push(s) });
  assert.deepEqual(quiet, []);
  const at = plain.indexOf(VAL_HEADER);
  assert.ok(at >= 0, plain.join('\n'));
  const timeless = (l: string) => l.replace(/[\d.]+ms/g, 'Tms');
  assert.deepEqual(plain.filter((_, i) => i !== at).map(timeless), lines.map(timeless), 'the same lines otherwise');
});

test('detect: the bar counts images under the per-image lines and is erased at the end; none when not a terminal', async () => {
  const src = join(work, 'images');
  mkdirSync(src);
  for (const i of [0, 1, 2]) await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 60 * i, g: 90, b: 20 } } }).jpeg().toFile(join(src, `im${i}.jpg`));
  const drawn: string[] = [];
  const lines: string[] = [];
  const strip = (l: string) => l.replace(/\([\d.]+ms\)|[\d.]+ms/g, 'Tms').replace(/exp\d*/, 'exp');
  await detect(blind(2), { source: src, imgsz: 64, nosave: true, project: join(work, 'runs'), progress: true, write: (s) => drawn.push(s), log: (s) => lines.push(s) });
  const bars = drawn.filter((s) => s.includes('%|'));
  assert.ok(bars.length >= 1, drawn.join(''));
  assert.match(bars.at(-1)!, /^\r100%\|██████████\| 3\/3 \d\d:\d\d\x1b\[K$/);
  assert.equal(drawn.at(-1), '\r\x1b[K', 'erased before the summary');
  const plainLines: string[] = [];
  const quiet: string[] = [];
  await detect(blind(2), { source: src, imgsz: 64, nosave: true, project: join(work, 'runs'), progress: false, write: (s) => quiet.push(s), log: (s) => plainLines.push(s) });
  assert.deepEqual(quiet, []);
  assert.deepEqual(plainLines.map(strip), lines.map(strip), 'the same lines with and without the bar');
  assert.equal(lines.filter((l) => /^image \d\/3 /.test(l)).length, 3);
});

test('tsyolo data digits: a bar in a terminal (script(1) gives it a pty), none through a pipe', () => {
  const args = [bin, 'data', 'digits', '--train', '12', '--val', '4', '--img', '64'];
  const tty = spawnSync('script', ['-qec', [process.execPath, ...args, '--out', join(work, 'd-tty')].map((a) => `'${a}'`).join(' '), '/dev/null'], { encoding: 'utf8' });
  assert.equal(tty.status, 0, tty.stderr + tty.stdout);
  assert.match(tty.stdout, /\rdigits: 100%\|██████████\| 16\/16 \d\d:\d\d\x1b\[K/);
  assert.match(tty.stdout, /dataset written: /);
  const piped = spawnSync(process.execPath, [...args, '--out', join(work, 'd-pipe')], { encoding: 'utf8' });
  assert.equal(piped.status, 0, piped.stderr);
  assert.doesNotMatch(piped.stdout, /\r|%\|/);
  assert.match(piped.stdout, /^digits: wrote 12 train and 4 val scenes .*\ndataset written: .*data\.yaml\n$/);
});
