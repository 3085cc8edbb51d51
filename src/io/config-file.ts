// The one reader for YAML configs (model, dataset, hyp): file → checked mapping → typed values, every error
// starting with the file and naming the key, in one style: "<file>: '<key>' must be …, got …".
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';

export interface NumberRule {
  /** Whole numbers only. */
  integer?: boolean;
  /** Smallest allowed value (inclusive). */
  min?: number;
  /** Values must be above this (exclusive), e.g. 0 for multiples. */
  above?: number;
}

/** A parsed config mapping; `source` (the file, or the file plus what part of it) starts every error. */
export class ConfigMap {
  constructor(
    readonly source: string,
    readonly values: Readonly<Record<string, unknown>>,
  ) {}

  /** Checks that `doc` is a mapping; `expected` says what it should hold (in the error). */
  static of(doc: unknown, source: string, expected: string): ConfigMap {
    if (!isMapping(doc)) throw new Error(`${source}: must be a mapping (${expected}), got ${describe(doc)}`);
    return new ConfigMap(source, doc);
  }

  /** The key is present with a value (YAML's empty value, `~` and `''` count as absent). */
  has(key: string): boolean {
    const v = this.values[key];
    return v !== undefined && v !== null && v !== '';
  }

  /** The raw value of a key that must be present. */
  require(key: string): unknown {
    if (!this.has(key)) throw this.error(key, 'is missing');
    return this.values[key];
  }

  number(key: string, rule: NumberRule = {}): number {
    return this.checkNumber(key, this.require(key), rule);
  }

  optionalNumber(key: string, rule: NumberRule = {}): number | undefined {
    return this.has(key) ? this.checkNumber(key, this.values[key], rule) : undefined;
  }

  string(key: string): string {
    const v = this.require(key);
    if (typeof v !== 'string') throw this.error(key, `must be a string, got ${describe(v)}`);
    return v;
  }

  optionalString(key: string): string | undefined {
    return this.has(key) ? this.string(key) : undefined;
  }

  /** Refuses keys outside `known`, naming the first one and the known ones. */
  rejectUnknown(known: Iterable<string>): void {
    const allowed = new Set(known);
    const unknown = Object.keys(this.values).find((k) => !allowed.has(k));
    if (unknown !== undefined) throw this.error(unknown, `is not a known key (known: ${[...allowed].join(', ')})`);
  }

  /** An Error "<source>: '<key>' <problem>" for checks the caller makes itself. */
  error(key: string, problem: string): Error {
    return new Error(`${this.source}: '${key}' ${problem}`);
  }

  private checkNumber(key: string, v: unknown, rule: NumberRule): number {
    const kind = rule.integer ? 'an integer' : 'a number';
    if (typeof v !== 'number' || !Number.isFinite(v) || (rule.integer && !Number.isInteger(v))) {
      throw this.error(key, `must be ${kind}, got ${describe(v)}`);
    }
    if (rule.min !== undefined && v < rule.min) throw this.error(key, `must be ${kind} ≥ ${rule.min}, got ${v}`);
    if (rule.above !== undefined && v <= rule.above) throw this.error(key, `must be ${kind} > ${rule.above}, got ${v}`);
    return v;
  }
}

/** Reads a YAML file that must hold a mapping; `expected` says what it should hold. Errors start with the file. */
export function readConfigFile(file: string, expected: string): ConfigMap {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new Error(`${file}: cannot be read: ${err.code ?? err.message}`);
  }
  // A binary file (an ONNX export, a checkpoint, an image given by mistake) is named as such, not parsed into
  // an error quoting its bytes.
  if (text.includes('\0')) throw new Error(`${file}: not a YAML file (binary content)`);
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new Error(`${file}: malformed YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  return ConfigMap.of(doc, file, expected);
}

export function isMapping(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** A value as it appears in an error: JSON, with undefined spelled out. */
export function describe(v: unknown): string {
  return v === undefined ? 'nothing' : JSON.stringify(v);
}
