// Generates the addon's glue from the op table (native/ops.ts), the way tch-rs generates its bindings from
// PyTorch's declarations:
//   native/src/ops.generated.h        dtype codes + the C++ prototypes the bodies (native/src/*_ops.cc) implement
//   native/src/bindings.generated.cc  one N-API wrapper per op (argument conversion, error translation) + registration
//   src/native/native.generated.ts    the typed NativeBinding interface, op names and dtype codes for TypeScript
// The outputs are committed (building needs no TypeScript); test/engine/native-glue.test.ts fails when they are stale.
//   node --import tsx native/generate.ts          rewrite the generated files
//   node --import tsx native/generate.ts --check  exit 1 if any is out of date
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { DTYPES, OPS } from './ops.ts';

interface ArgType {
  cpp: string;
  convert: string;
  ts: string;
}
interface ReturnType {
  cpp: string;
  convert: string | null;
  ts: string;
}

const ARG_TYPES: Record<string, ArgType> = {
  Tensor: { cpp: 'const at::Tensor&', convert: 'TensorArg', ts: 'Handle' },
  'Tensor?': { cpp: 'const c10::optional<at::Tensor>&', convert: 'OptionalTensorArg', ts: 'Handle | null' },
  'Tensor[]': { cpp: 'const std::vector<at::Tensor>&', convert: 'TensorListArg', ts: 'readonly Handle[]' },
  'Tensor?[]': { cpp: 'const c10::List<c10::optional<at::Tensor>>&', convert: 'IndexListArg', ts: 'readonly (Handle | null)[]' },
  int: { cpp: 'int64_t', convert: 'IntArg', ts: 'number' },
  'int?': { cpp: 'c10::optional<int64_t>', convert: 'OptionalIntArg', ts: 'number | null' },
  'int[]': { cpp: 'const std::vector<int64_t>&', convert: 'IntListArg', ts: 'readonly number[]' },
  'int[]?': { cpp: 'const c10::optional<std::vector<int64_t>>&', convert: 'OptionalIntListArg', ts: 'readonly number[] | null' },
  float: { cpp: 'double', convert: 'NumberArg', ts: 'number' },
  bool: { cpp: 'bool', convert: 'BoolArg', ts: 'boolean' },
  Scalar: { cpp: 'const at::Scalar&', convert: 'ScalarArg', ts: 'number | boolean' },
  'Scalar?': { cpp: 'const c10::optional<at::Scalar>&', convert: 'OptionalScalarArg', ts: 'number | boolean | null' },
  ScalarType: { cpp: 'at::ScalarType', convert: 'ScalarTypeArg', ts: 'DTypeCode' },
  Device: { cpp: 'const at::Device&', convert: 'DeviceArg', ts: 'string' },
  str: { cpp: 'const std::string&', convert: 'StringArg', ts: 'string' },
  Bytes: { cpp: 'ByteView', convert: 'BytesArg', ts: 'ArrayBufferView' },
  Handle: { cpp: 'double', convert: 'NumberArg', ts: 'Handle' },
};

const RETURN_TYPES: Record<string, ReturnType> = {
  Tensor: { cpp: 'at::Tensor', convert: 'ReturnTensor', ts: 'Handle' },
  'Tensor?': { cpp: 'at::Tensor', convert: 'ReturnOptionalTensor', ts: 'Handle | null' },
  'Tensor[]': { cpp: 'std::vector<at::Tensor>', convert: 'ReturnTensorList', ts: 'Handle[]' },
  '(Tensor, Tensor)': { cpp: 'std::tuple<at::Tensor, at::Tensor>', convert: 'ReturnTensorPair', ts: '[Handle, Handle]' },
  bool: { cpp: 'bool', convert: 'ReturnBool', ts: 'boolean' },
  int: { cpp: 'int64_t', convert: 'ReturnInt', ts: 'number' },
  float: { cpp: 'double', convert: 'ReturnFloat', ts: 'number' },
  str: { cpp: 'std::string', convert: 'ReturnString', ts: 'string' },
  'int[]': { cpp: 'std::vector<int64_t>', convert: 'ReturnIntList', ts: 'number[]' },
  ScalarType: { cpp: 'at::ScalarType', convert: 'ReturnScalarType', ts: 'DTypeCode' },
  Bytes: { cpp: 'at::Tensor', convert: 'ReturnBytes', ts: 'ArrayBuffer' },
  '()': { cpp: 'void', convert: null, ts: 'void' },
};

export interface OpArg {
  name: string;
  type: string;
}
export interface Op {
  /** The JavaScript name (the addon's export). */
  name: string;
  /** The C++ body in namespace tsyolo::ops: the name in PascalCase. */
  cppName: string;
  args: OpArg[];
  returns: string;
  schema: string;
}

export function parseOp(schema: string): Op {
  const m = /^([A-Za-z_][A-Za-z0-9_]*)\((.*)\) -> (.+)$/.exec(schema);
  if (!m) throw new Error(`native/ops.ts: '${schema}' is not 'name(Type arg, …) -> Return'`);
  const [, name, argText, returns] = m as unknown as [string, string, string, string];
  const args = argText.trim() === '' ? [] : argText.split(',').map((a) => {
    const parts = a.trim().split(/\s+/);
    if (parts.length !== 2 || !ARG_TYPES[parts[0]!]) {
      throw new Error(`native/ops.ts: op '${name}': argument '${a.trim()}' needs one of the types ${Object.keys(ARG_TYPES).join(', ')}`);
    }
    return { type: parts[0]!, name: parts[1]! };
  });
  if (!RETURN_TYPES[returns]) {
    throw new Error(`native/ops.ts: op '${name}': return type '${returns}' is not one of ${Object.keys(RETURN_TYPES).join(', ')}`);
  }
  return { name, cppName: name[0]!.toUpperCase() + name.slice(1), args, returns, schema };
}

export function parseTable(): Op[] {
  const ops = OPS.map(parseOp);
  const seen = new Set<string>();
  for (const op of ops) {
    if (seen.has(op.name)) throw new Error(`native/ops.ts: op '${op.name}' is declared twice`);
    seen.add(op.name);
  }
  return ops;
}

const HEADER = '// Generated by native/generate.ts from native/ops.ts. Do not edit: change the table and re-run the generator.\n';

function prototype(op: Op): string {
  const params = op.args.map((a) => `${ARG_TYPES[a.type]!.cpp} ${a.name}`).join(', ');
  return `${RETURN_TYPES[op.returns]!.cpp} ${op.cppName}(${params});`;
}

export function renderHeader(ops: Op[]): string {
  const fromCode = DTYPES.map(([, st], code) => `    case ${code}: return at::${st};`).join('\n');
  const toCode = DTYPES.map(([, st], code) => `    case at::${st}: return ${code};`).join('\n');
  return `${HEADER}// The C++ side of the op table: dtype codes and the prototypes of the op bodies. No N-API here.
#pragma once

#include <ATen/ATen.h>

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

namespace tsyolo {

// A typed array's bytes, read in place (valid during the call only).
struct ByteView {
  const void* data;
  size_t size;
};

inline at::ScalarType DTypeFromCode(int64_t code) {
  switch (code) {
${fromCode}
  }
  throw std::invalid_argument("unknown dtype code " + std::to_string(code));
}

inline int64_t CodeFromDType(at::ScalarType t) {
  switch (t) {
${toCode}
    default: break;
  }
  throw std::invalid_argument(std::string("unsupported dtype ") + c10::toString(t));
}

namespace ops {

${ops.map(prototype).join('\n')}

}  // namespace ops
}  // namespace tsyolo
`;
}

function wrapper(op: Op): string {
  // Arguments are converted in order into locals, so the first bad argument is the one reported.
  const locals = op.args.map((a, i) => `    decltype(auto) arg_${a.name} = ${ARG_TYPES[a.type]!.convert}(info, ${i});`);
  const call = `ops::${op.cppName}(${op.args.map((a) => `arg_${a.name}`).join(', ')})`;
  const ret = RETURN_TYPES[op.returns]!;
  const tail = ret.convert ? [`    return ${ret.convert}(env, ${call});`] : [`    ${call};`, '    return env.Undefined();'];
  return `Napi::Value ${op.cppName}(const Napi::CallbackInfo& info) {
  return Guard(info, "${op.name}", [&](Napi::Env env) -> Napi::Value {
${[...locals, ...tail].join('\n')}
  });
}`;
}

export function renderBindings(ops: Op[]): string {
  const registrations = ops.map((op) => `  exports.Set("${op.name}", Napi::Function::New(env, ${op.cppName}, "${op.name}"));`);
  return `${HEADER}// N-API wrappers: convert the arguments (errors name the op and the argument), call the body, convert the result.
#include <napi.h>

#include "args.h"
#include "guard.h"
#include "ops.generated.h"
#include "results.h"

namespace tsyolo {
namespace {

${ops.map(wrapper).join('\n\n')}

}  // namespace

void RegisterOps(Napi::Env env, Napi::Object exports) {
${registrations.join('\n')}
}

}  // namespace tsyolo
`;
}

export function renderTypes(ops: Op[]): string {
  const methods = ops.map((op) => {
    const params = op.args.map((a) => `${a.name}: ${ARG_TYPES[a.type]!.ts}`).join(', ');
    return `  /** \`${op.schema}\` */\n  ${op.name}(${params}): ${RETURN_TYPES[op.returns]!.ts};`;
  });
  return `${HEADER}// The addon's typed interface. Bodies: native/src/*_ops.cc (namespace tsyolo::ops, the op name in PascalCase).

/** A tensor handle as the addon issues it (a number; see native/src/handles.h). */
export type Handle = number;

/** dtype names in code order: a dtype's code is its index. */
export const DTYPE_NAMES = [${DTYPES.map(([name]) => `'${name}'`).join(', ')}] as const;

export type DTypeCode = ${DTYPES.map((_, code) => code).join(' | ')};

/** Every export of the addon. */
export const OP_NAMES = [
${ops.map((op) => `  '${op.name}',`).join('\n')}
] as const;

export interface NativeBinding {
${methods.join('\n')}
}
`;
}

const nativeDir = fileURLToPath(new URL('.', import.meta.url));

/** Each generated file's path and its up-to-date content. */
export function generatedFiles(): { path: string; content: string }[] {
  const ops = parseTable();
  return [
    { path: `${nativeDir}src/ops.generated.h`, content: renderHeader(ops) },
    { path: `${nativeDir}src/bindings.generated.cc`, content: renderBindings(ops) },
    { path: fileURLToPath(new URL('../src/native/native.generated.ts', import.meta.url)), content: renderTypes(ops) },
  ];
}

function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const stale = generatedFiles().filter((f) => readOrEmpty(f.path) !== f.content);
  if (process.argv.includes('--check')) {
    for (const f of stale) console.error(`${f.path} is out of date: run \`node --import tsx native/generate.ts\``);
    process.exitCode = stale.length ? 1 : 0;
  } else {
    for (const f of stale) {
      writeFileSync(f.path, f.content);
      console.log(`wrote ${f.path}`);
    }
  }
}
