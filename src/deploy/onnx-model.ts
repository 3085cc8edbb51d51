// An exported ONNX detector on onnxruntime-node (CPU): forward() on NCHW float32 input gives the decoded
// (N, rows, 5 + nc) output, like the libtorch DetectionModel in eval mode.
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { readOnnxModelInfo, type OnnxModelInfo } from './model-metadata.ts';
import type { DetectorBackend, ModelOutput } from './detector-backend.ts';

export interface OnnxModelOptions {
  /** Intra-op threads (default: onnxruntime's choice, all cores). */
  threads?: number;
}

export class OnnxModel implements DetectorBackend {
  readonly file: string;
  readonly info: OnnxModelInfo;
  readonly #session: ort.InferenceSession;

  private constructor(file: string, info: OnnxModelInfo, session: ort.InferenceSession) {
    this.file = file;
    this.info = info;
    this.#session = session;
  }

  /** Loads `file`; a missing, non-ONNX or corrupt file is an Error naming the file. */
  static async load(file: string, o: OnnxModelOptions = {}): Promise<OnnxModel> {
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(file);
    } catch (e) {
      throw new Error(`cannot read ONNX model '${file}': ${(e as Error).message}`);
    }
    const info = readOnnxModelInfo(bytes, file);
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(bytes, {
        executionProviders: ['cpu'],
        graphOptimizationLevel: 'all',
        ...(o.threads ? { intraOpNumThreads: o.threads, interOpNumThreads: 1 } : {}),
      });
    } catch (e) {
      throw new Error(`${file} is not a usable ONNX model: ${(e as Error).message}`);
    }
    return new OnnxModel(file, info, session);
  }

  get names(): string[] {
    return this.info.names;
  }
  get stride(): number {
    return this.info.stride;
  }
  get nc(): number {
    return this.info.names.length;
  }

  /** Runs the model on (N, 3, H, W) float32 input in 0–1. */
  async forward(input: Float32Array, shape: readonly number[]): Promise<ModelOutput> {
    const feeds = { [this.info.inputName]: new ort.Tensor('float32', input, [...shape]) };
    const result = await this.#session.run(feeds);
    const out = result[this.info.outputName]!;
    return { data: out.data as Float32Array, shape: [...out.dims] };
  }

  async dispose(): Promise<void> {
    await this.#session.release();
  }
}
