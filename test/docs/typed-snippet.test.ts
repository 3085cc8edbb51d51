// Issue #23: the types a user hits first are right. The README's library snippet (snippets/readme-model.ts) compiles
// under `tsc --strict` against the package's public entry, and runs; a training-mode model's forward() is still typed
// as the raw maps, so handing it to nonMaxSuppression is the compile error it should be.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const snippet = join(root, 'test/docs/snippets/readme-model.ts');

const options: ts.CompilerOptions = {
  strict: true,
  noEmit: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  allowImportingTsExtensions: true,
  skipLibCheck: true,
  types: ['node'],
  typeRoots: [join(root, 'node_modules/@types')],
  baseUrl: root,
  paths: { tsyolo: ['./src/index.ts'] },
};

/** Type-checks `file` (plus, optionally, in-memory files) and returns the diagnostics of the given files only. */
function check(files: Record<string, string | undefined>): ts.Diagnostic[] {
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  host.getSourceFile = (name, version, onError, create) => {
    const text = files[resolve(name)];
    return text !== undefined ? ts.createSourceFile(name, text, version) : getSourceFile(name, version, onError, create);
  };
  host.fileExists = (name) => files[resolve(name)] !== undefined || fileExists(name);
  const program = ts.createProgram(Object.keys(files), options, host);
  const mine = new Set(Object.keys(files));
  return ts.getPreEmitDiagnostics(program).filter((d) => d.file && mine.has(resolve(d.file.fileName)));
}

const format = (ds: ts.Diagnostic[]) => ds.map((d) => `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`).join('\n');

test('the README model snippet compiles under --strict; a training-mode forward() handed to NMS is TS2345', () => {
  const wrong = join(root, 'test/docs/snippets/__training-mode.ts');
  const diagnostics = check({
    [snippet]: undefined,
    [wrong]: [
      "import { loadModel, nonMaxSuppression, zeros } from 'tsyolo';",
      "const model = loadModel('yolov5s.yaml').model.train();",
      'nonMaxSuppression(model.forward(zeros([1, 3, 64, 64])));',
      "const plain = loadModel('yolov5s.yaml').model;",
      'nonMaxSuppression(plain.forward(zeros([1, 3, 64, 64])));',
    ].join('\n'),
  });
  const inSnippet = diagnostics.filter((d) => resolve(d.file!.fileName) === snippet);
  assert.deepEqual(format(inSnippet), '', 'the snippet must compile under --strict');
  const inWrong = diagnostics.filter((d) => resolve(d.file!.fileName) === wrong);
  assert.deepEqual(
    inWrong.map((d) => [d.code, d.file!.getLineAndCharacterOfPosition(d.start!).line + 1]),
    [
      [2345, 3],
      [2345, 5],
    ],
    format(inWrong),
  );
});

test('the README model snippet runs: eval-mode forward() and predict() give one (1, rows, 85) tensor', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', snippet], { cwd: root, encoding: 'utf8', env: { ...process.env, TSX_TSCONFIG_PATH: join(root, 'tsconfig.json') } });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
  // yolov5s at 64 px: 3 anchors × (8² + 4² + 2²) = 252 rows of 5 + 80 classes.
  assert.deepEqual(out.pred, [1, 252, 85]);
  assert.equal(out.boxes.length, 2);
  assert.equal(out.boxes[1], 6);
  assert.equal(out.same[1], 6);
});
