// What the shared detection pipeline needs from a model runtime (onnxruntime-node, onnxruntime-web, …).

export interface ModelOutput {
  /** Row-major float32 values. */
  data: Float32Array;
  /** (N, rows, 5 + nc) for a YOLOv5 detector. */
  shape: number[];
}

export interface DetectorBackend {
  /** Largest stride: letterbox pads to a multiple of it. */
  readonly stride: number;
  readonly names: string[];
  /** Decoded predictions for NCHW float32 input in 0–1. */
  forward(input: Float32Array, shape: readonly number[]): Promise<ModelOutput>;
}
