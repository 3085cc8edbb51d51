// One config through the whole CLI on generated digits: a 1-epoch train, val on its best weights, ONNX export.
// Each step's exit code, the one results row with finite losses and val's "all" row are checked here; the caller
// checks what is particular to its config (model structure, ONNX outputs).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { makeDigits, readResults, runCli } from './harness.ts';

export interface SmokeRun {
  /** The temporary folder holding data and runs (the caller removes it). */
  base: string;
  /** best.safetensors of the training run. */
  best: string;
  /** The ONNX file exported from it. */
  onnxFile: string;
}

export async function trainValExport(name: string, cfg: string, img: number, onBase: (base: string) => void): Promise<SmokeRun> {
  const { base, data } = await makeDigits(name);
  onBase(base);
  const project = join(base, 'runs', 'train');
  const size = String(img);
  const train = await runCli(
    ['train', '--data', data, '--cfg', cfg, '--img', size, '--batch', '8', '--hyp', 'hyp.digits.yaml', '--workers', '0', '--epochs', '1', '--project', project],
    base,
  );
  assert.equal(train.code, 0, train.stderr);
  const exp = join(project, 'exp');
  const best = join(exp, 'weights', 'best.safetensors');
  assert.ok(existsSync(best));
  const { rows } = readResults(join(exp, 'results.csv'));
  assert.equal(rows.length, 1);
  assert.ok(rows[0]!.slice(1, 4).every((loss) => Number.isFinite(loss) && loss > 0), `train losses ${rows[0]!.slice(1, 4)}`);

  const val = await runCli(['val', '--weights', best, '--data', data, '--img', size, '--project', join(base, 'runs', 'val')], base);
  assert.equal(val.code, 0, val.stderr);
  assert.match(val.stdout + val.stderr, /all\s+8\s+\d+/, 'val prints the "all" row over the 8 val images');

  const exported = await runCli(['export', '--weights', best, '--include', 'onnx', '--img', size], base);
  assert.equal(exported.code, 0, exported.stderr);
  const onnxFile = best.replace(/\.safetensors$/, '.onnx');
  assert.ok(existsSync(onnxFile), `${onnxFile} written`);
  return { base, best, onnxFile };
}
