#!/usr/bin/env node
// `npm run build` (also run by `npm pack`): src/ → dist/ as ES modules (.js) with types (.d.ts), and beside each
// file its CommonJS twin (.cjs, .d.cts). tsc compiles the ES modules: the sources import each other with `.ts`
// extensions, which `rewriteRelativeImportExtensions` turns into `.js`. The CommonJS files are TypeScript's
// transpiler run over those .js files. They sit beside the ES ones, at the same depth below the package root,
// because modules find shipped files (configs/, native/build/) by paths relative to their own location.
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { packageRoot } from './build-addon.mjs';

const require = createRequire(import.meta.url);
const ts = require('typescript');
const dist = join(packageRoot, 'dist');

function fail(msg) {
  console.error(`[build] ${msg}`);
  process.exit(1);
}

function filesUnder(dir, suffix, out = []) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) filesUnder(path, suffix, out);
    else if (e.name.endsWith(suffix)) out.push(path);
  }
  return out;
}

/** Relative specifiers ('./x.js', '../y/z.js') in require()/import()/from → the CommonJS twins' names. */
function toCjsSpecifiers(code, from, to) {
  const re = new RegExp(`((?:require|import)\\(\\s*|from\\s+)(['"])(\\.{1,2}/[^'"]*)\\${from}\\2`, 'g');
  return code.replace(re, (_, head, quote, path) => `${head}${quote}${path}${to}${quote}`);
}

function commonJsOf(file, esm) {
  // A CommonJS module has no import.meta; its file URL is built from __filename instead.
  const source = esm.replaceAll('import.meta.url', "require('node:url').pathToFileURL(__filename).href");
  if (source.includes('import.meta')) fail(`${file}: import.meta other than import.meta.url has no CommonJS equivalent`);
  const out = ts.transpileModule(source, {
    fileName: file,
    reportDiagnostics: true,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  });
  if (out.diagnostics?.length) fail(`${file}: ${ts.flattenDiagnosticMessageText(out.diagnostics[0].messageText, '\n')}`);
  return toCjsSpecifiers(out.outputText, '.js', '.cjs');
}

rmSync(dist, { recursive: true, force: true });
const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(packageRoot, 'tsconfig.build.json')], {
  stdio: 'inherit',
  cwd: packageRoot,
});
if (tsc.status !== 0) fail(`tsc -p tsconfig.build.json failed (exit ${tsc.status ?? tsc.signal})`);

const modules = filesUnder(dist, '.js');
for (const file of modules) writeFileSync(file.replace(/\.js$/, '.cjs'), commonJsOf(file, readFileSync(file, 'utf8')));
const declarations = filesUnder(dist, '.d.ts');
for (const file of declarations) writeFileSync(file.replace(/\.d\.ts$/, '.d.cts'), toCjsSpecifiers(readFileSync(file, 'utf8'), '.js', '.cjs'));
console.log(`[build] dist/: ${modules.length} modules as ESM (.js) and CommonJS (.cjs), with .d.ts/.d.cts`);
