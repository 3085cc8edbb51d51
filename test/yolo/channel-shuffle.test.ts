// catChannelShuffle (the ShuffleNetV2 blocks' cat + channel_shuffle in one copy) against the two-step form, in both
// memory layouts, values and gradients; and that a channels_last input stays channels_last.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cat, manualSeed, randn, tidy } from '../../src/tensor/index.ts';
import { catChannelShuffle, channelShuffle } from '../../src/yolo/modules/backbone/shufflenet.ts';

for (const layout of ['nchw', 'channels_last'] as const) {
  test(`catChannelShuffle equals channel_shuffle(cat([a, b], 1), 2), ${layout}`, () => {
    manualSeed(3);
    tidy(() => {
      const make = () => {
        const t = randn([2, 3, 4, 5]);
        return (layout === 'channels_last' ? t.contiguous('channels_last') : t).requiresGrad_(true);
      };
      const a = make();
      const b = make();
      const weight = randn([2, 6, 4, 5]);
      const fused = catChannelShuffle(a, b);
      const reference = channelShuffle(cat([a, b], 1), 2);
      assert.deepEqual(fused.shape, [2, 6, 4, 5]);
      assert.deepEqual(fused.toFloat32Array(), reference.toFloat32Array());
      // Output channel 2j is a's channel j, 2j + 1 is b's.
      assert.deepEqual(fused.select(1, 2).toFloat32Array(), a.select(1, 1).toFloat32Array());
      assert.deepEqual(fused.select(1, 5).toFloat32Array(), b.select(1, 2).toFloat32Array());
      assert.equal(fused.isChannelsLast(), layout === 'channels_last');

      fused.mul(weight).sum().backward();
      const [ga, gb] = [a.grad!.toFloat32Array(), b.grad!.toFloat32Array()];
      a.grad!.zero_();
      b.grad!.zero_();
      reference.mul(weight).sum().backward();
      assert.deepEqual(ga, a.grad!.toFloat32Array());
      assert.deepEqual(gb, b.grad!.toFloat32Array());
    });
  });
}
