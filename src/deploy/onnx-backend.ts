// An exported ONNX detector (or -seg model: prototypes returned too) as a Backend, on whichever onnxruntime is given (onnxruntime-node in Node,
// onnxruntime-web in the browser: both expose the same InferenceSession/Tensor API). Browser-safe: the runtime is
// passed in, never imported here.
import { type Backend, type ModelOutput, toUnitFloat } from './backend.ts';
import { readOnnxModelInfo, type OnnxModelInfo } from './model-metadata.ts';

interface OrtTensor {
  readonly data: unknown;
  readonly dims: readonly number[];
}
interface OrtSession {
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}
/** The part of an onnxruntime module (`import * as ort from 'onnxruntime-node' | 'onnxruntime-web'`) used here. */
export interface OrtRuntime {
  /** onnxruntime's InferenceSession class. */
  InferenceSession: {
    /** Creates a session for the model bytes. */
    create(model: Uint8Array, options?: object): Promise<unknown>;
  };
  /** onnxruntime's Tensor class. */
  Tensor: {
    /** A float32 tensor of `dims` over `data`. */
    new (type: 'float32', data: Float32Array, dims: readonly number[]): unknown;
  };
}

export class OnnxBackend implements Backend {
  /** The model's file or URL (in messages). */
  readonly file: string;
  /** The export's input, output, stride, names, opset and NMS. */
  readonly info: OnnxModelInfo;
  readonly fixedInputHW: readonly [number, number] | null;
  readonly #session: OrtSession;
  readonly #ort: OrtRuntime;

  private constructor(file: string, info: OnnxModelInfo, ort: OrtRuntime, session: OrtSession) {
    this.file = file;
    this.info = info;
    this.#ort = ort;
    this.#session = session;
    const [, , h, w] = info.inputShape;
    this.fixedInputHW = typeof h === 'number' && typeof w === 'number' && h > 0 && w > 0 ? [h, w] : null;
  }

  /** A session on `bytes`; `file` names the model in errors (bytes that are not ONNX, a graph the runtime refuses). */
  static async create(ort: OrtRuntime, bytes: Uint8Array, file: string, sessionOptions: object = {}): Promise<OnnxBackend> {
    const info = readOnnxModelInfo(bytes, file);
    const session = await OnnxBackend.session(ort, bytes, file, sessionOptions);
    return new OnnxBackend(file, info, ort, session);
  }

  private static async session(ort: OrtRuntime, bytes: Uint8Array, file: string, sessionOptions: object): Promise<OrtSession> {
    try {
      return (await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'all', ...sessionOptions })) as OrtSession;
    } catch (e) {
      throw new Error(`${file} is not a usable ONNX model: ${(e as Error).message}`);
    }
  }

  get names(): string[] {
    return this.info.names;
  }
  get stride(): number {
    return this.info.stride;
  }
  get inGraphNms() {
    return this.info.nms;
  }
  get nc(): number {
    return this.info.names.length;
  }
  /** Mask coefficients per row of a segmentation export (its 'output1' prototypes' channels); 0 for a detector. */
  get nm(): number {
    return this.info.protos?.nm ?? 0;
  }

  /** Runs the model on (N, 3, H, W) input: uint8 pixels or float32 in 0–1. */
  async forward(input: Uint8Array | Float32Array, shape: readonly number[]): Promise<ModelOutput> {
    const t0 = performance.now();
    const x = toUnitFloat(input);
    const preprocessMs = performance.now() - t0;
    const feeds = { [this.info.inputName]: new this.#ort.Tensor('float32', x, [...shape]) as OrtTensor };
    const result = await this.#session.run(feeds);
    const out = result[this.info.outputName]!;
    const inGraphNms = this.info.nms ? { images: shape[0]! } : undefined;
    const p = this.info.protos ? result[this.info.protos.name]! : undefined;
    const protos = p ? { data: p.data as Float32Array, shape: [...p.dims] } : undefined;
    return { data: out.data as Float32Array, shape: [...out.dims], preprocessMs, inGraphNms, protos };
  }

  async dispose(): Promise<void> {
    await this.#session.release();
  }
}
