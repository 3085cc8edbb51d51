// GradScaler against torch 1.13's own GradScaler + SGD (fixtures/amp/grad_scaler_reference.json, made by
// make_grad_scaler.py): the same scaled losses, unscaled gradients, skipped steps on inf/NaN, parameters, scale
// growth and backoff, growth tracker and state_dict, step by step; then the misuse errors torch raises.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import * as torch from '../../src/tensor/index.ts';
import { GradScaler, type GradScalerOptions } from '../../src/train/grad-scaler.ts';
import { SGD } from '../../src/train/optimizer.ts';

interface Step { scaled_loss: number | string; scale_before: number; unscaled_grad: Array<number | string>; param: number[]; scale_after: number; growth_tracker: number }
interface Case { name: string; args: Record<string, number>; steps: Step[]; state_dict: Record<string, number> }
const REF: { cases: Case[] } = JSON.parse(readFileSync(new URL('../fixtures/amp/grad_scaler_reference.json', import.meta.url), 'utf8'));

// The same sequence as make_grad_scaler.py's coefficients().
function coefficients(step: number): number[] {
  const c = Array.from({ length: 5 }, (_, i) => Math.cos(0.5 * i + step) * (step % 4 === 0 ? 3.0 : 0.25));
  if (step === 3) c[2] = Infinity;
  if (step === 6) c[4] = NaN;
  if (step === 7) c[0] = -Infinity;
  return c;
}
const num = (v: number | string) => (typeof v === 'number' ? v : Number(v === 'inf' ? Infinity : v === '-inf' ? -Infinity : NaN));

for (const ref of REF.cases) {
  test(`GradScaler equals torch's step by step: ${ref.name}`, () => {
    const a = ref.args;
    const opts: GradScalerOptions = { initScale: a.init_scale, growthFactor: a.growth_factor, backoffFactor: a.backoff_factor, growthInterval: a.growth_interval };
    const scaler = new GradScaler(opts);
    const p = torch.tensor(Float32Array.from({ length: 5 }, (_, i) => Math.sin(0.3 * i + 0.1)), { requiresGrad: true });
    const opt = new SGD([p], { lr: 0.1, momentum: 0.9, nesterov: true });
    ref.steps.forEach((want, step) => {
      opt.zeroGrad();
      torch.tidy(() => {
        const c = torch.tensor(Float32Array.from(coefficients(step)));
        const scaled = scaler.scale(p.mul(c).sum());
        assert.equal(scaler.getScale(), want.scale_before, `step ${step}: scale before`);
        const got = scaled.item();
        const w = num(want.scaled_loss);
        assert.ok(Object.is(got, w) || (Number.isNaN(got) && Number.isNaN(w)), `step ${step}: scaled loss ${got} vs ${w}`);
        scaled.backward();
      });
      scaler.unscale_(opt);
      const g = [...(p.grad!.toTypedArray() as Float32Array)];
      g.forEach((v, i) => {
        const w = num(want.unscaled_grad[i]!);
        assert.ok(Object.is(v, w) || (Number.isNaN(v) && Number.isNaN(w)), `step ${step}: grad[${i}] ${v} vs ${w}`);
      });
      scaler.step(opt);
      scaler.update();
      assert.deepEqual([...(p.detach().toTypedArray() as Float32Array)], want.param.map(Math.fround), `step ${step}: parameters`);
      assert.equal(scaler.getScale(), want.scale_after, `step ${step}: scale after`);
      assert.equal((scaler.stateDict() as { _growth_tracker: number })._growth_tracker, want.growth_tracker, `step ${step}: growth tracker`);
    });
    assert.deepEqual(scaler.stateDict(), ref.state_dict);
    // state_dict round trip: a new scaler continues from the same state
    const again = new GradScaler();
    again.loadStateDict(scaler.stateDict());
    assert.deepEqual(again.stateDict(), ref.state_dict);
  });
}

test('misuse: unscale_ twice, step twice, update without a step, an empty state on an enabled scaler', () => {
  const scaler = new GradScaler();
  const p = torch.ones([2]).requiresGrad_();
  const opt = new SGD([p], { lr: 0.1 });
  torch.tidy(() => scaler.scale(p.sum()).backward());
  scaler.unscale_(opt);
  assert.throws(() => scaler.unscale_(opt), /unscale_\(\) has already been called/);
  scaler.step(opt);
  assert.throws(() => scaler.step(opt), /step\(\) has already been called/);
  scaler.update();
  assert.throws(() => scaler.update(), /no inf checks were recorded/);
  assert.throws(() => new GradScaler().loadStateDict({}), /empty/);
  assert.throws(() => new GradScaler({ growthFactor: 1 }), /growthFactor must be > 1/);
});

test('a disabled scaler passes everything through', () => {
  const scaler = new GradScaler({ enabled: false });
  const p = torch.ones([2]).requiresGrad_();
  const opt = new SGD([p], { lr: 0.5 });
  torch.tidy(() => scaler.scale(p.sum()).backward());
  assert.equal(scaler.getScale(), 1);
  scaler.unscale_(opt);
  assert.equal(scaler.step(opt), true);
  scaler.update();
  assert.deepEqual([...(p.detach().toTypedArray() as Float32Array)], [0.5, 0.5]);
  assert.deepEqual(scaler.stateDict(), {});
});
