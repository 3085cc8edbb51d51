// The guide cannot drift from the command line:
// 1. every `tsyolo` command in a shell block of README.md, docs/*.md and examples/**/README.md names a real
//    subcommand and only flags that subcommand defines (read from the CLI's own commander definitions), and every
//    `npm run X` names a package.json script;
// 2. the shell blocks marked ```sh runnable are run, file by file, each in a scratch folder, with `npx tsyolo` /
//    `tsyolo` mapped to this checkout's bin/tsyolo.js and sizes made tiny (--epochs 1, --img 64, 16 + 8 digit
//    scenes). README.md runs first from an empty folder; every other page starts from a copy of the README's
//    `datasets/digits` and `runs/train/exp` (the quick start's data and weights), so pages are independent.
// docs/README.md ("How these pages are tested") describes this for writers.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Command } from 'commander';
import { buildProgram } from '../../src/cli/main.ts';
import { type CodeBlock, codeBlocks, docFiles, REPO, SHELL_LANGS, shellCommands, tsyoloArgs, where } from './markdown.ts';

const BIN = join(REPO, 'bin', 'tsyolo.js');
const scratch = mkdtempSync(join(tmpdir(), 'tsyolo-docs-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const blocks = docFiles().flatMap((f) => codeBlocks(f));
const shellBlocks = blocks.filter((b) => SHELL_LANGS.has(b.lang));
const runnable = shellBlocks.filter((b) => b.tags.includes('runnable'));

/** Every long and short flag a command defines, `--help` included. */
function flagsOf(cmd: Command): Set<string> {
  const flags = new Set(['--help', '-h']);
  for (const o of cmd.options) for (const f of o.flags.match(/(?<![\w-])--?[A-Za-z][\w-]*/g) ?? []) flags.add(f);
  return flags;
}

/** The subcommand a tsyolo command line names and the flags it uses that the subcommand does not define. */
function checkArgs(args: string[]): { command: string; unknown: string[]; error?: string } {
  const program = buildProgram(() => {});
  let cmd: Command = program;
  let i = 0;
  while (i < args.length && !args[i]!.startsWith('-')) {
    const sub = cmd.commands.find((c) => c.name() === args[i] || c.aliases().includes(args[i]!));
    if (!sub) break;
    cmd = sub;
    i++;
  }
  const command = cmd === program ? 'tsyolo' : `tsyolo ${args.slice(0, i).join(' ')}`;
  const used = args.slice(i).filter((w) => /^--?[A-Za-z]/.test(w)).map((w) => w.replace(/=.*$/, ''));
  if (cmd === program) {
    const known = ['--version', '-V', '--help', '-h'];
    if (used.length === 0 || used.some((f) => !known.includes(f))) return { command, unknown: [], error: `no tsyolo subcommand named '${args[0] ?? ''}'` };
    return { command, unknown: [] };
  }
  if (cmd.commands.length > 0 && !used.includes('--help')) return { command, unknown: [], error: `'${command}' needs a subcommand (${cmd.commands.map((c) => c.name()).join(', ')})` };
  const flags = flagsOf(cmd);
  return { command, unknown: used.filter((f) => !flags.has(f)) };
}

test('every tsyolo command in the README, docs and examples names a real subcommand and real flags', () => {
  const scripts = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  const problems: string[] = [];
  let checked = 0;
  for (const b of shellBlocks) {
    for (const c of shellCommands(b)) {
      const args = tsyoloArgs(c.words);
      if (args) {
        checked++;
        const r = checkArgs(args);
        if (r.error) problems.push(`${b.file}:${c.line}: ${r.error}: ${c.source}`);
        else if (r.unknown.length) problems.push(`${b.file}:${c.line}: ${r.command} has no ${r.unknown.join(', ')}: ${c.source}`);
      }
      if (c.words[0] === 'npm' && c.words[1] === 'run' && c.words[2] && !(c.words[2] in scripts)) {
        problems.push(`${b.file}:${c.line}: no npm script '${c.words[2]}' in package.json: ${c.source}`);
      }
    }
  }
  assert.deepEqual(problems, []);
  assert.ok(checked >= 60, `only ${checked} tsyolo commands found in the docs: is the block parser broken?`);
  console.log(`checked ${checked} tsyolo commands in ${shellBlocks.length} shell blocks of ${docFiles().length} files`);
});

// The checker itself: it must reject what is wrong, or the test above proves nothing.
test('the command checker refuses a made-up flag, a made-up subcommand and a missing one', () => {
  assert.deepEqual(checkArgs(['train', '--data', 'd.yaml', '--epochz', '3']).unknown, ['--epochz']);
  assert.deepEqual(checkArgs(['val', '--conf', '0.1', '--iou-thres=0.5']).unknown, []);
  assert.match(checkArgs(['trian', '--data', 'd.yaml']).error ?? '', /no tsyolo subcommand named 'trian'/);
  assert.match(checkArgs(['data', '--out', 'x']).error ?? '', /needs a subcommand \(digits\)/);
  assert.equal(checkArgs(['--version']).error, undefined);
  const block: CodeBlock = { file: 'x.md', line: 1, lang: 'sh', tags: [], text: 'A=1 npx tsyolo info --cfg "my model.yaml" \\\n  --fuse   # a comment\n# only a comment' };
  assert.deepEqual(shellCommands(block).map((c) => c.words), [['npx', 'tsyolo', 'info', '--cfg', 'my model.yaml', '--fuse']]);
});

/** GitHub's heading anchor: lower case, punctuation dropped (hyphens and underscores kept), spaces → hyphens. */
const slug = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');

function anchorsOf(file: string): Set<string> {
  const text = readFileSync(join(REPO, file), 'utf8').replace(/^([ \t]*)(`{3,}|~{3,})[\s\S]*?^\1\2[ \t]*$/gm, '');
  return new Set([...text.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)].map((m) => slug(m[1]!.replace(/`/g, ''))));
}

test('every relative link in the README, docs and examples points at a file (and heading) that exists', () => {
  const broken: string[] = [];
  let checked = 0;
  for (const file of docFiles()) {
    const text = readFileSync(join(REPO, file), 'utf8').replace(/^([ \t]*)(`{3,}|~{3,})[\s\S]*?^\1\2[ \t]*$/gm, '');
    for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1]!;
      if (/^[a-z]+:/i.test(target)) continue; // https:, mailto:
      checked++;
      const [path, anchor] = target.split('#') as [string, string | undefined];
      const resolved = path === '' ? file : join(file, '..', path);
      if (!existsSync(join(REPO, resolved))) broken.push(`${file}: ${target} (no ${resolved})`);
      else if (anchor && resolved.endsWith('.md') && !anchorsOf(resolved).has(anchor)) broken.push(`${file}: ${target} (no heading #${anchor} in ${resolved})`);
    }
  }
  assert.deepEqual(broken, []);
  assert.ok(checked >= 100, `only ${checked} links found`);
});

/** Sizes made tiny; flag names, paths and subcommands stay as written. */
function tinyArgs(args: string[]): string[] {
  const out = [...args];
  const set = (flag: string, value: string, aliases: string[] = []) => {
    const k = out.findIndex((w) => w === flag || aliases.includes(w));
    if (k >= 0) {
      // every value word after the flag (--img takes one or two sizes on export)
      let n = k + 1;
      while (n < out.length && /^\d+$/.test(out[n]!)) n++;
      out.splice(k + 1, n - k - 1, value);
    }
    return k >= 0;
  };
  set('--epochs', '1');
  set('--img', '64', ['--imgsz']);
  const sub = out.slice(0, 2).join(' ');
  if (sub === 'data digits' || out[0] === 'demo') {
    if (!set('--train', '16')) out.push('--train', '16');
    if (!set('--val', '8')) out.push('--val', '8');
  }
  return out;
}

test('tinyArgs changes only sizes', () => {
  assert.deepEqual(tinyArgs(['train', '--img', '320', '--epochs', '30', '--batch', '32']), ['train', '--img', '64', '--epochs', '1', '--batch', '32']);
  assert.deepEqual(tinyArgs(['export', '--imgsz', '640', '480', '--include', 'onnx']), ['export', '--imgsz', '64', '--include', 'onnx']);
  assert.deepEqual(tinyArgs(['data', 'digits', '--out', 'd', '--val', '50']), ['data', 'digits', '--out', 'd', '--val', '8', '--train', '16']);
});

const quote = (w: string) => (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`);

/** A runnable block as a bash script: tsyolo lines rewritten to the checkout's CLI with tiny sizes, others as written. */
function script(block: CodeBlock): string {
  const lines = ['set -euo pipefail', `tsyolo() { node ${quote(BIN)} "$@"; }`];
  for (const c of shellCommands(block)) {
    const args = tsyoloArgs(c.words);
    if (!args) throw new Error(`${where(block)}: a runnable block may only run tsyolo commands: ${c.source}`);
    const line = ['tsyolo', ...tinyArgs(args)].map(quote).join(' ');
    lines.push(`echo ${quote(`$ ${c.source}  (${block.file}:${c.line})`)}`, line);
  }
  return lines.join('\n') + '\n';
}

function runPage(file: string, cwd: string): number {
  let commands = 0;
  for (const block of runnable.filter((b) => b.file === file)) {
    const sh = join(cwd, '.block.sh');
    writeFileSync(sh, script(block));
    commands += shellCommands(block).length;
    const r = spawnSync('bash', [sh], { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    const tail = (s: string) => s.split('\n').slice(-40).join('\n');
    assert.equal(r.status, 0, `${where(block)} failed:\n${tail(r.stdout)}\n${tail(r.stderr)}`);
  }
  return commands;
}

const pages = [...new Set(runnable.map((b) => b.file))];
const seed = join(scratch, 'README.md');

test('the README and most task pages have runnable blocks', () => {
  for (const page of ['README.md', 'docs/datasets.md', 'docs/train.md', 'docs/val.md', 'docs/detect.md', 'docs/export.md', 'docs/models.md', 'docs/compare.md', 'docs/install.md']) {
    assert.ok(pages.includes(page), `${page} has no \`\`\`sh runnable block`);
  }
});

test('README.md runnable blocks run (the quick start: data, train, compare, val, detect, export)', { timeout: 600_000 }, () => {
  const t0 = performance.now();
  mkdirSync(seed, { recursive: true });
  const n = runPage('README.md', seed);
  assert.ok(existsSync(join(seed, 'runs/train/exp/weights/best.safetensors')), 'the quick start trains runs/train/exp');
  assert.ok(existsSync(join(seed, 'runs/train/exp/weights/best.onnx')), 'the quick start exports best.onnx');
  console.log(`README.md: ${n} commands in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
});

for (const page of pages.filter((p) => p !== 'README.md')) {
  test(`${page} runnable blocks run`, { timeout: 600_000 }, () => {
    assert.ok(existsSync(join(seed, 'runs/train/exp/weights/best.safetensors')), 'needs the README run first');
    const t0 = performance.now();
    const cwd = join(scratch, page.replace(/[/.]/g, '_'));
    cpSync(join(seed, 'datasets', 'digits'), join(cwd, 'datasets', 'digits'), { recursive: true });
    cpSync(join(seed, 'runs', 'train', 'exp'), join(cwd, 'runs', 'train', 'exp'), { recursive: true });
    const n = runPage(page, cwd);
    console.log(`${page}: ${n} commands in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  });
}
