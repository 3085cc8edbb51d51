// `tsyolo modules --check`: shipped YAMLs pass every step (GFLOPs equal YOLOv5 v7.0's printed ones), and planted bad
// blocks fail, named, at the step they break — a wrong ONNX emitter, a NaN gradient, no emitter — with exit status 1;
// an op without a deterministic kernel trains with warn_only and is listed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.ts';
import { Module } from '../../src/nn/module.ts';
import type { EmitContext } from '../../src/nn/onnx-emit.ts';
import { areDeterministicAlgorithmsEnabled } from '../../src/tensor/runtime.ts';
import type { Tensor } from '../../src/tensor/tensor.ts';
import { registerModule, registerOnnxEmitter } from '../../src/yolo/registry.ts';
import { splitDocArgs } from '../../src/check/synthetic-model.ts';

const bin = fileURLToPath(new URL('../../bin/tsyolo.js', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'tsyolo-modules-check-'));
const summaries = JSON.parse(readFileSync(new URL('../fixtures/summaries.json', import.meta.url), 'utf8')) as Record<string, { unfused: { gflops: number } }>;

/** The table row of `target`: its cells split on runs of 2+ spaces. */
function cells(stdout: string, target: string): string[] {
  const line = stdout.split('\n').find((l) => l.startsWith(`${target} `));
  assert.ok(line, `a row for ${target} in:\n${stdout}`);
  return line.split(/\s{2,}/);
}

test('modules --check --cfg on two shipped YAMLs: every step ok, ONNX within 1e-4, GFLOPs as YOLOv5 prints them', () => {
  const r = spawnSync(process.execPath, [bin, 'modules', '--check', '--cfg', 'yolov5n.yaml', '--cfg', 'yolov5n-shufflenetv2.yaml'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^YAML \/ block\s+build\s+train\s+fuse\s+onnx 12\s+onnx 17\s+max diff\s+GFLOPs\s+uncounted\n/);
  for (const yaml of ['yolov5n.yaml', 'yolov5n-shufflenetv2.yaml']) {
    const [, build, train, fuse, o12, o17, diff, gflops] = cells(r.stdout, yaml);
    assert.deepEqual([build, train, fuse, o12, o17], ['ok', 'ok', 'ok', 'ok', 'ok'], yaml);
    assert.ok(Number(diff) <= 1e-4, `${yaml}: max diff ${diff}`);
    assert.equal(Number(gflops), summaries[yaml]!.unfused.gflops, `${yaml}: GFLOPs at 640`);
  }
  assert.match(r.stdout, /\n2 passed, 0 failed\n/);
  assert.doesNotMatch(r.stdout, /needs a YAML|FAIL/);
});

// ------------------------------------------------------------------------------------------------ planted blocks

/** Doubles its input; `emit` decides what its ONNX form says. */
class Doubler extends Module {
  override get typeName(): string {
    return 'Doubler';
  }
  forward(x: Tensor): Tensor {
    return x.mul(2);
  }
}
/** y = x + √(x − x): x forward, NaN gradients backward (d√u/du is ∞ at 0, times 1 − 1). */
class NanGrad extends Module {
  override get typeName(): string {
    return 'NanGrad';
  }
  forward(x: Tensor): Tensor {
    return x.add(x.sub(x).pow(0.5));
  }
}
/** Passes its input through; no ONNX emitter is registered for it. */
class NoEmitter extends Module {
  override get typeName(): string {
    return 'NoEmitter';
  }
  forward(x: Tensor): Tensor {
    return x.mul(1);
  }
}
let alerts = 0;
/** Refuses once under deterministic mode as libtorch refuses adaptive_avg_pool2d_backward_cuda, then runs. */
class NondeterministicOnce extends Module {
  override get typeName(): string {
    return 'NondeterministicOnce';
  }
  forward(x: Tensor): Tensor {
    if (areDeterministicAlgorithmsEnabled() && alerts++ === 0) {
      throw new Error("fake_pool_backward_cuda does not have a deterministic implementation, but you set 'torch.use_deterministic_algorithms(True)'.");
    }
    return x.mul(1);
  }
}

const identity = (_m: Module, input: string | string[], ctx: EmitContext, scope: string) => ctx.graph.node('Identity', [[input].flat()[0]!], scope);
const same = (name: string, build: () => Module) =>
  registerModule({ name, pythonType: `test.${name}`, argCount: [0, 0], channels: 'same', origin: 'user', doc: { args: '[]', purpose: 'planted by modules-check.test.ts' }, build });
same('PlantedWrongEmitter', () => new Doubler());
registerOnnxEmitter(Doubler, identity); // forgets the ×2
same('PlantedNanGrad', () => new NanGrad());
registerOnnxEmitter(NanGrad, identity);
same('PlantedNoEmitter', () => new NoEmitter());
same('PlantedNondeterministic', () => new NondeterministicOnce());
registerOnnxEmitter(NondeterministicOnce, identity);

/** The CLI in this process (so the blocks registered above are known), stdout and stderr captured. */
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const original = console.error;
  console.error = (...a: unknown[]) => void err.push(a.join(' '));
  try {
    const code = await main(args, (s) => out.push(s));
    return { code, stdout: `${out.join('\n')}\n`, stderr: err.join('\n') };
  } finally {
    console.error = original;
  }
}

test('planted bad blocks checked alone (--block): each fails at its step, named in the table, the FAIL lines and the exit error', async () => {
  const r = await cli('modules', '--check', '--block', 'PlantedWrongEmitter', '--block', 'PlantedNanGrad', '--block', 'PlantedNoEmitter');
  assert.equal(r.code, 1, r.stdout);

  const [, build, train, fuse, o12, o17] = cells(r.stdout, 'PlantedWrongEmitter');
  assert.deepEqual([build, train, fuse, o12, o17], ['ok', 'ok', 'ok', 'FAIL', 'FAIL']);
  assert.match(r.stdout, /FAIL PlantedWrongEmitter: onnx 12: onnxruntime output differs from libtorch by \S+ \(> 0\.0001\)/);

  assert.deepEqual(cells(r.stdout, 'PlantedNanGrad').slice(1, 6), ['ok', 'FAIL', 'ok', 'ok', 'ok']);
  assert.match(r.stdout, /FAIL PlantedNanGrad: train: non-finite gradients in model\.0\.conv\.weight, /);

  assert.deepEqual(cells(r.stdout, 'PlantedNoEmitter').slice(1, 6), ['ok', 'ok', 'ok', 'FAIL', 'FAIL']);
  assert.match(r.stdout, /FAIL PlantedNoEmitter: onnx 17: .*module 'NoEmitter' at 'model\.2' has no ONNX mapping/);

  assert.match(r.stdout, /\n0 passed, 3 failed\n/);
  assert.equal(
    r.stderr,
    'tsyolo: error: modules --check: 3 of 3 failed: PlantedWrongEmitter (onnx 12, onnx 17), PlantedNanGrad (train), PlantedNoEmitter (onnx 12, onnx 17)',
  );
});

test('a planted bad block inside a YAML (--cfg): the YAML is the row named; a good YAML beside it still passes', async () => {
  const yaml = join(work, 'tiny-wrong-emitter.yaml');
  writeFileSync(
    yaml,
    'nc: 3\ndepth_multiple: 1.0\nwidth_multiple: 1.0\nanchors:\n  - [10,13, 16,30, 33,23]\n  - [30,61, 62,45, 59,119]\n' +
      'backbone:\n  [[-1, 1, Conv, [16, 3, 2]], [-1, 1, Conv, [32, 3, 2]], [-1, 1, PlantedWrongEmitter, []], [-1, 1, Conv, [32, 3, 2]]]\n' +
      'head:\n  [[[2, 3], 1, Detect, [nc, anchors]]]\n',
  );
  const r = await cli('modules', '--check', '--cfg', yaml, '--cfg', 'yolov5n-shufflenetv2.yaml');
  assert.equal(r.code, 1);
  assert.deepEqual(cells(r.stdout, yaml).slice(1, 6), ['ok', 'ok', 'ok', 'FAIL', 'FAIL']);
  assert.deepEqual(cells(r.stdout, 'yolov5n-shufflenetv2.yaml').slice(1, 6), ['ok', 'ok', 'ok', 'ok', 'ok']);
  assert.equal(r.stderr, `tsyolo: error: modules --check: 1 of 2 failed: ${yaml} (onnx 12, onnx 17)`);
});

test('an op without a deterministic kernel: the step is run again with warn_only (ok*), the op is listed, nothing fails', async () => {
  alerts = 0;
  const r = await cli('modules', '--check', '--block', 'PlantedNondeterministic');
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.deepEqual(cells(r.stdout, 'PlantedNondeterministic').slice(1, 6), ['ok', 'ok*', 'ok', 'ok', 'ok']);
  assert.match(r.stdout, /note PlantedNondeterministic: fake_pool_backward_cuda has no deterministic kernel on cpu: trained with warn_only/);
  assert.equal(alerts, 2, 'refused once under the strict mode, then run under warn_only (eval runs outside deterministic mode)');
});

test('a block whose args cannot be guessed is listed as "needs a YAML", neither passed nor failed', async () => {
  class NeedsArgs extends Module {
    constructor(readonly c1: number, readonly magic: number) {
      super();
      if (magic !== 42) throw new Error(`the magic number is 42, got ${magic}`);
    }
    forward(x: Tensor): Tensor {
      return x;
    }
  }
  registerModule({
    name: 'PlantedNeedsArgs',
    pythonType: 'test.NeedsArgs',
    argCount: [1, 1],
    channels: (args, ctx) => ({ args: [ctx.ch.at(-1), ...args], c2: ctx.ch.at(-1)! }),
    doc: { args: '[magic]', purpose: 'planted' },
    build: ([c1, magic]) => new NeedsArgs(c1 as number, magic as number),
  });
  const r = await cli('modules', '--check', '--block', 'PlantedNeedsArgs');
  assert.equal(r.code, 0);
  assert.match(r.stdout, /\nPlantedNeedsArgs\s+needs a YAML\n/);
  assert.match(r.stdout, /needs a YAML PlantedNeedsArgs: none of its guessed args \(from doc\.args \[magic\] and its channel rule\) builds: .*the magic number is 42, got 32; check it inside a model with --cfg/);
  assert.match(r.stdout, /\n0 passed, 0 failed, 1 need a YAML\n/);
});

test("a block that cannot run at 64 px is checked at the dry run's 256 px, with a note naming the layer", async () => {
  /** Refuses 8×8 maps (what layer 3 sees at 64 px; GFLOPs run it at 4×4, the dry run at 32×32). */
  class NeedsBigMaps extends Module {
    override get typeName(): string {
      return 'NeedsBigMaps';
    }
    forward(x: Tensor): Tensor {
      if (x.shape[2] === 8) throw new Error('cannot take 8×8 maps');
      return x.mul(1);
    }
  }
  same('PlantedNeedsBigMaps', () => new NeedsBigMaps());
  registerOnnxEmitter(NeedsBigMaps, identity);
  const yaml = join(work, 'tiny-big-maps.yaml');
  writeFileSync(
    yaml,
    'nc: 3\ndepth_multiple: 1.0\nwidth_multiple: 1.0\nanchors:\n  - [10,13, 16,30, 33,23]\n' +
      'backbone:\n  [[-1, 1, Conv, [16, 3, 2]], [-1, 1, Conv, [32, 3, 2]], [-1, 1, Conv, [32, 3, 2]], [-1, 1, PlantedNeedsBigMaps, []]]\n' +
      'head:\n  [[[3], 1, Detect, [nc, anchors]]]\n',
  );
  const r = await cli('modules', '--check', '--cfg', yaml);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.deepEqual(cells(r.stdout, yaml).slice(1, 6), ['ok', 'ok', 'ok', 'ok', 'ok']);
  assert.ok(r.stdout.includes(`note ${yaml}: numeric checks at 256 px: the model does not run at 64 px (${yaml}: layer 3 (PlantedNeedsBigMaps): input (1,32,8,8): cannot take 8×8 maps)`), r.stdout);
});

test('a model thop cannot run at its stride size (32 px) fails the GFLOPs step, named', async () => {
  class NoTinyMaps extends Module {
    override get typeName(): string {
      return 'NoTinyMaps';
    }
    forward(x: Tensor): Tensor {
      if (x.shape[2]! < 8) throw new Error(`needs maps of at least 8×8, got ${x.shape[2]}×${x.shape[3]}`);
      return x.mul(1);
    }
  }
  same('PlantedNoTinyMaps', () => new NoTinyMaps());
  registerOnnxEmitter(NoTinyMaps, identity);
  const yaml = join(work, 'tiny-no-gflops.yaml');
  writeFileSync(
    yaml,
    'nc: 3\ndepth_multiple: 1.0\nwidth_multiple: 1.0\nanchors:\n  - [10,13, 16,30, 33,23]\n' +
      'backbone:\n  [[-1, 1, Conv, [16, 3, 2]], [-1, 1, Conv, [32, 3, 2]], [-1, 1, Conv, [32, 3, 2]], [-1, 1, PlantedNoTinyMaps, []]]\n' +
      'head:\n  [[[3], 1, Detect, [nc, anchors]]]\n',
  );
  const r = await cli('modules', '--check', '--cfg', yaml);
  assert.equal(r.code, 1);
  assert.deepEqual(cells(r.stdout, yaml).slice(1, 8), ['ok', 'ok', 'ok', 'ok', 'ok', cells(r.stdout, yaml)[6]!, 'FAIL']);
  assert.ok(r.stdout.includes(`FAIL ${yaml}: GFLOPs: ${yaml}: layer 3 (PlantedNoTinyMaps): input (1,32,4,4): needs maps of at least 8×8, got 4×4`), r.stdout);
  assert.equal(r.stderr, `tsyolo: error: modules --check: 1 of 1 failed: ${yaml} (GFLOPs)`);
});

test("doc args split at the top level only (tuples and quotes kept whole)", () => {
  assert.deepEqual(splitDocArgs("[c2, k=(5, 9, 13), mode='a,b', shortcut=True]"), ['c2', 'k=(5, 9, 13)', "mode='a,b'", 'shortcut=True']);
  assert.deepEqual(splitDocArgs('[]'), []);
});

test('a bad block loaded through --plugin fails the check from the command line, named', () => {
  const plugin = join(work, 'bad-plugin.mjs');
  writeFileSync(
    plugin,
    `export function register(api) {
  class Tripler extends api.Module {
    get typeName() { return 'Tripler'; }
    forward(x) { return x.mul(3); }
  }
  api.registerModule({ name: 'PluginTripler', pythonType: 'plugin.Tripler', argCount: [0, 0], channels: 'same', origin: 'user', doc: { args: '[]', purpose: 'planted' }, build: () => new Tripler() });
  api.registerOnnxEmitter(Tripler, (_m, input, ctx, scope) => ctx.graph.node('Identity', [[input].flat()[0]], scope));
}
`,
  );
  const r = spawnSync(process.execPath, [bin, 'modules', '--check', '--block', 'PluginTripler', '--plugin', plugin], { encoding: 'utf8' });
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.deepEqual(cells(r.stdout, 'PluginTripler').slice(1, 6), ['ok', 'ok', 'ok', 'FAIL', 'FAIL']);
  assert.equal(r.stderr.trim(), 'tsyolo: error: modules --check: 1 of 1 failed: PluginTripler (onnx 12, onnx 17)');
});
