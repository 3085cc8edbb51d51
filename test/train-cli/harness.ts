// Shared by the `tsyolo train` tests: a tiny digits dataset, the CLI as a child process, checkpoint metadata.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateDigits } from '../../src/data/digits.ts';
import { readSafetensors } from '../../src/io/safetensors.ts';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = join(REPO, 'bin', 'tsyolo.js');

/** 16 train / 8 val scenes of 96 px: two batches of 8 per epoch, a few seconds per run. */
export async function makeDigits(prefix: string): Promise<{ base: string; data: string }> {
  const base = mkdtempSync(join(tmpdir(), `tsyolo-${prefix}-`));
  const r = await generateDigits({ out: join(base, 'digits'), train: 16, val: 8, img: 96, seed: 5 });
  return { base, data: r.yamlPath };
}

/** Flags every run shares: the small ShuffleNetV2 model, 96 px, batch 8, no worker threads. */
export function baseArgs(data: string, project: string): string[] {
  return ['train', '--data', data, '--cfg', 'yolov5n-shufflenetv2.yaml', '--img', '96', '--batch', '8', '--hyp', 'hyp.digits.yaml', '--workers', '0', '--project', project];
}

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function startCli(args: string[], cwd: string): { child: ChildProcess; done: Promise<CliRun> } {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliRun>((res) => child.on('close', (code, signal) => res({ code, signal, stdout, stderr })));
  return { child, done };
}

export function runCli(args: string[], cwd: string): Promise<CliRun> {
  return startCli(args, cwd).done;
}

export function checkpointMeta(file: string): Record<string, string> {
  return readSafetensors(file).metadata;
}

/** Polls until `file` exists and its metadata says `epoch` ≥ minEpoch (a completed epoch was saved). */
export async function waitForEpoch(file: string, minEpoch: number, run: Promise<CliRun>, timeoutMs = 60_000): Promise<void> {
  let finished = false;
  void run.then(() => (finished = true));
  const t0 = Date.now();
  for (;;) {
    if (existsSync(file)) {
      try {
        if (Number(checkpointMeta(file).epoch) >= minEpoch) return;
      } catch {
        // A file being renamed into place can be missed for a moment; poll again.
      }
    }
    if (finished) throw new Error(`the run ended before ${file} reached epoch ${minEpoch}`);
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${file}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** results.csv → header cells and numeric rows. */
export function readResults(file: string): { header: string; rows: number[][] } {
  const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.length > 0);
  return { header: lines[0]!, rows: lines.slice(1).map((l) => l.split(',').map(Number)) };
}
