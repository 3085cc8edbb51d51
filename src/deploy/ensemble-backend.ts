// A libtorch Ensemble (several checkpoints, v7.0's `--weights a.pt b.pt`) as a Backend: every model runs on the
// same batch and their decoded outputs are concatenated before the shared NMS. Imports the engine: not part of
// `tsyolo/onnx`.
import { noGrad } from '../tensor/runtime.ts';
import { tidy } from '../tensor/scope.ts';
import type { Ensemble } from '../yolo/ensemble.ts';
import type { Backend, ModelOutput } from './backend.ts';
import { inputTensor } from './libtorch-backend.ts';

/**
 * An Ensemble (its models fused and in eval mode) as a Backend: names and nc of the first model, letterbox stride
 * max(largest stride, 32) as v7.0's DetectMultiBackend; `{ augment: true }` runs each model's TTA.
 */
export function ensembleBackend(ensemble: Ensemble, opts: { device?: string } = {}): Backend {
  const device = opts.device ?? 'cpu';
  return {
    names: ensemble.names,
    nc: ensemble.nc,
    stride: Math.max(...ensemble.stride, 32),
    fixedInputHW: null,
    supportsAugment: true,
    async forward(input, shape, _targets, options): Promise<ModelOutput> {
      return noGrad(() =>
        tidy(() => {
          const t0 = performance.now();
          const x = inputTensor(input, shape, device);
          const preprocessMs = performance.now() - t0;
          const out = ensemble.eval().predict(x, { augment: options?.augment }).toHost();
          return { data: out.data as Float32Array, shape: out.shape, preprocessMs };
        }),
      );
    },
    dispose: () => ensemble.dispose(),
  };
}
