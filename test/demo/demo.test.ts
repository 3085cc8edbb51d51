// The main job in miniature: `tsyolo demo` from the command line makes every promised artefact and prints
// metrics that parse (the full-size run is `npm run demo`).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../bin/tsyolo.js', import.meta.url));

test('demo (reduced): data, comparison, training, validation, detections and a closing summary', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsyolo-demo-'));
  const args = (epochs: number) => [bin, 'demo', '--project', join(dir, 'runs'), '--data', join(dir, 'data'), '--train', '16', '--val', '6', '--epochs', String(epochs), '--img', '128', '--batch', '8', '--workers', '1', '--detect-images', '3'];
  const r = spawnSync(process.execPath, args(2), { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr + r.stdout.slice(-2000));
  const out = r.stdout;
  assert.match(out, /yolov5l-shufflenetv2\.yaml\s+362\s+21644789\s+41\.9\s+-53\.5%\s+-61\.8%/);
  assert.match(out, /Epoch +GPU_mem +box_loss +obj_loss +cls_loss +Instances +Size/);
  const m = /final mAP50 (\d\.\d{3}) {2}mAP50-95 (\d\.\d{3})/.exec(out);
  assert.ok(m, 'final metrics line');
  assert.ok(Number(m![1]) >= 0 && Number(m![1]) <= 1 && Number(m![2]) <= Number(m![1]) + 1e-9);
  const lines = Object.fromEntries(
    [...out.matchAll(/^(run dir|best weights|results\.png|validation|detections): +(.+)$/gm)].map((x) => [x[1]!, x[2]!.trim()]),
  );
  for (const key of ['run dir', 'best weights', 'results.png', 'validation', 'detections']) assert.ok(existsSync(lines[key]!), `${key}: ${lines[key]}`);
  const train = lines['run dir']!;
  for (const f of ['results.csv', 'labels.jpg', 'train_batch0.jpg', 'weights/last.safetensors', 'hyp.yaml', 'opt.yaml']) assert.ok(existsSync(join(train, f)), f);
  assert.equal(readdirSync(lines.detections!).filter((f) => f.endsWith('.jpg')).length, 3);
  // Re-running reuses the generated data.
  const again = spawnSync(process.execPath, args(1), { encoding: 'utf8' });
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, /already|reus/i);
});
