// GraphBuilder: collects ONNX nodes, initializers and graph inputs/outputs as plain objects in the shape of the
// protobuf schema (onnx-schema.ts), with unique value names.
import { floatsToHalf } from './float16.ts';
import { type AttributeValue, attr, type OnnxGraph } from '../nn/onnx-emit.ts';
import { OnnxAttributeType, OnnxDataType } from './onnx-schema.ts';

/** A graph input/output dimension: a fixed size or a symbolic name (dynamic axis). */
export type Dim = number | string;

export interface ValueInfo {
  name: string;
  elemType: number;
  shape: Dim[];
}

interface NodeObject {
  input: string[];
  output: string[];
  name: string;
  opType: string;
  attribute: object[];
}

interface TensorObject {
  name: string;
  dims: number[];
  dataType: number;
  rawData: Uint8Array;
}

function bytesOf(a: Float32Array | Uint16Array | BigInt64Array): Uint8Array {
  // ONNX raw_data is little-endian; so is every platform Node and browsers run on.
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

function attributeObject(name: string, v: AttributeValue): object {
  if ('int' in v) return { name, type: OnnxAttributeType.INT, i: v.int };
  if ('ints' in v) return { name, type: OnnxAttributeType.INTS, ints: [...v.ints] };
  if ('float' in v) return { name, type: OnnxAttributeType.FLOAT, f: v.float };
  if ('floats' in v) return { name, type: OnnxAttributeType.FLOATS, floats: [...v.floats] };
  return { name, type: OnnxAttributeType.STRING, s: new TextEncoder().encode(v.string) };
}

export interface GraphBuilderOptions {
  /** Store float weights as float16 (a Cast back to float32 follows, so inputs and compute stay float32). */
  halfWeights?: boolean;
}

export class GraphBuilder implements OnnxGraph {
  readonly nodes: NodeObject[] = [];
  readonly initializers: TensorObject[] = [];
  readonly #names = new Set<string>();
  readonly #halfWeights: boolean;

  constructor(opts: GraphBuilderOptions = {}) {
    this.#halfWeights = opts.halfWeights ?? false;
  }

  /** `base`, or `base_1`, `base_2`, … when taken. */
  uniqueName(base: string): string {
    let name = base;
    for (let k = 1; this.#names.has(name); k++) name = `${base}_${k}`;
    this.#names.add(name);
    return name;
  }

  /** Adds a node; returns its output names (`outputs` of them). */
  nodeN(opType: string, inputs: readonly string[], outputs: number, scope: string, attrs: Record<string, AttributeValue> = {}): string[] {
    const name = this.uniqueName(`${scope}/${opType}`);
    const out = Array.from({ length: outputs }, (_, k) => this.uniqueName(outputs === 1 ? `${name}_output` : `${name}_output${k}`));
    this.nodes.push({
      input: [...inputs],
      output: out,
      name,
      opType,
      attribute: Object.entries(attrs).map(([n, v]) => attributeObject(n, v)),
    });
    return out;
  }

  /** Adds a single-output node and returns the output name. */
  node(opType: string, inputs: readonly string[], scope: string, attrs: Record<string, AttributeValue> = {}): string {
    return this.nodeN(opType, inputs, 1, scope, attrs)[0]!;
  }

  /** Renames the output of the last node (graph outputs get fixed names such as 'output0'). */
  renameLastOutput(from: string, to: string): void {
    const last = this.nodes[this.nodes.length - 1];
    if (!last || last.output[0] !== from) throw new Error(`renameLastOutput: '${from}' is not the last node's output`);
    this.#names.add(to);
    last.output[0] = to;
  }

  /** A float32 weight; with halfWeights it is stored as float16 and cast back. Returns the name to read. */
  weight(name: string, dims: readonly number[], values: Float32Array): string {
    const n = this.uniqueName(name);
    if (!this.#halfWeights) {
      this.initializers.push({ name: n, dims: [...dims], dataType: OnnxDataType.FLOAT, rawData: bytesOf(values) });
      return n;
    }
    this.initializers.push({ name: n, dims: [...dims], dataType: OnnxDataType.FLOAT16, rawData: bytesOf(floatsToHalf(values)) });
    return this.node('Cast', [n], n, { to: attr.int(OnnxDataType.FLOAT) });
  }

  /** A float32 constant kept at full precision (grids, anchors, scales). */
  floatConstant(name: string, dims: readonly number[], values: readonly number[] | Float32Array): string {
    const n = this.uniqueName(name);
    this.initializers.push({ name: n, dims: [...dims], dataType: OnnxDataType.FLOAT, rawData: bytesOf(Float32Array.from(values)) });
    return n;
  }

  /** A 1-D int64 constant (shapes, axes, split sizes, indices). */
  int64Constant(name: string, values: readonly number[]): string {
    const n = this.uniqueName(name);
    this.initializers.push({
      name: n,
      dims: [values.length],
      dataType: OnnxDataType.INT64,
      rawData: bytesOf(BigInt64Array.from(values, (v) => BigInt(v))),
    });
    return n;
  }

  /** A 0-d int64 constant (scalars for Range and arithmetic). */
  int64Scalar(name: string, value: number): string {
    const n = this.uniqueName(name);
    this.initializers.push({ name: n, dims: [], dataType: OnnxDataType.INT64, rawData: bytesOf(BigInt64Array.of(BigInt(value))) });
    return n;
  }

  /** The GraphProto object. */
  graph(name: string, inputs: ValueInfo[], outputs: ValueInfo[]): object {
    const valueInfo = (v: ValueInfo) => ({
      name: v.name,
      type: {
        tensorType: {
          elemType: v.elemType,
          shape: { dim: v.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
        },
      },
    });
    return { name, node: this.nodes, initializer: this.initializers, input: inputs.map(valueInfo), output: outputs.map(valueInfo) };
  }
}
