// `tsyolo val --weights model.onnx`: an exported model as val.ts's ValModel, on onnxruntime-node.
import type { ValModel } from '../val/val.ts';
import { OnnxModel, type OnnxModelOptions } from './onnx-model.ts';

export interface OnnxValModel {
  model: ValModel;
  onnx: OnnxModel;
  /** Square export size of a fixed-shape model (val must letterbox to it, batch 1); null when dynamic. */
  fixedSize: number | null;
}

export async function onnxValModel(file: string, o: OnnxModelOptions = {}): Promise<OnnxValModel> {
  const onnx = await OnnxModel.load(file, o);
  const [, , h, w] = onnx.info.inputShape;
  let fixedSize: number | null = null;
  if (typeof h === 'number' && typeof w === 'number') {
    if (h !== w) throw new Error(`${file}: val needs a square or dynamic input, the model takes ${h}×${w}`);
    fixedSize = h;
  }
  const model: ValModel = {
    names: onnx.names,
    nc: onnx.nc,
    stride: [onnx.stride],
    async predict(images, shape) {
      const t0 = performance.now();
      const input = new Float32Array(images.length);
      for (let i = 0; i < images.length; i++) input[i] = images[i]! / 255;
      const preprocessMs = performance.now() - t0;
      const out = await onnx.forward(input, shape);
      return { pred: { dtype: 'float32', shape: out.shape, data: out.data }, preprocessMs };
    },
  };
  return { model, onnx, fixedSize };
}
