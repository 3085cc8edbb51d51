// A YOLOv5-Lite config through the whole CLI: 1-epoch train, val on its best weights, ONNX export that
// onnxruntime-node loads and runs.
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { OnnxModel } from '../../src/deploy/onnx-model.ts';
import { loadModel } from '../../src/yolo/load-model.ts';
import { makeDigits, readResults, runCli } from './harness.ts';

let base = '';
after(() => base && rmSync(base, { recursive: true, force: true }));

test('v5Lite-e.yaml: 1-epoch train, val and ONNX export', async () => {
  let data: string;
  ({ base, data } = await makeDigits('lite'));
  const project = join(base, 'runs', 'train');
  const train = await runCli(
    ['train', '--data', data, '--cfg', 'v5Lite-e.yaml', '--img', '96', '--batch', '8', '--hyp', 'hyp.digits.yaml', '--workers', '0', '--epochs', '1', '--project', project],
    base,
  );
  assert.equal(train.code, 0, train.stderr);
  const exp = join(project, 'exp');
  const best = join(exp, 'weights', 'best.safetensors');
  assert.ok(existsSync(best));
  const { rows } = readResults(join(exp, 'results.csv'));
  assert.equal(rows.length, 1);
  assert.ok(rows[0]!.slice(1, 4).every((loss) => Number.isFinite(loss) && loss > 0), `train losses ${rows[0]!.slice(1, 4)}`);

  // The trained weights rebuild as a Lite model: conv_bn_relu_maxpool stem, Shuffle_Block stages, DWConvblock head.
  const { model } = loadModel(best);
  assert.deepEqual(model.layerInfo.slice(0, 2).map((l) => l.type), ['models.common.conv_bn_relu_maxpool', 'models.common.Shuffle_Block']);
  model.dispose();

  const val = await runCli(['val', '--weights', best, '--data', data, '--img', '96', '--project', join(base, 'runs', 'val')], base);
  assert.equal(val.code, 0, val.stderr);
  assert.match(val.stdout + val.stderr, /all\s+8\s+\d+/, 'val prints the "all" row over the 8 val images');

  const exported = await runCli(['export', '--weights', best, '--include', 'onnx', '--img', '96'], base);
  assert.equal(exported.code, 0, exported.stderr);
  const onnxFile = best.replace(/\.safetensors$/, '.onnx');
  assert.ok(existsSync(onnxFile), `${onnxFile} written`);
  const onnx = await OnnxModel.load(onnxFile, { threads: 1 });
  const y = await onnx.forward(new Float32Array(3 * 96 * 96).fill(0.5), [1, 3, 96, 96]);
  // 3 anchors × (12² + 6² + 3²) cells, 5 + 10 digit classes.
  assert.deepEqual(y.shape, [1, 3 * (144 + 36 + 9), 15]);
  await onnx.dispose();
});
