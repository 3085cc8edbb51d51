// ffmpeg and ffprobe as subprocesses (Debian's `ffmpeg` package): video frames travel as raw RGB over pipes, so no
// native binding is needed and a crash of the decoder cannot take the process down.
import { type ChildProcess, spawn } from 'node:child_process';

export const FFMPEG_INSTALL = 'apt-get install -y ffmpeg (npm run setup installs it when run as root)';

/** Starts `tool` (ffmpeg or ffprobe); a missing binary rejects with the install command instead of ENOENT. */
export function spawnFfmpegTool(tool: 'ffmpeg' | 'ffprobe', args: string[], stdin: 'pipe' | 'ignore' = 'ignore'): { proc: ChildProcess; started: Promise<void> } {
  const proc = spawn(tool, args, { stdio: [stdin, 'pipe', 'pipe'] });
  const started = new Promise<void>((resolve, reject) => {
    proc.once('spawn', () => resolve());
    proc.once('error', (e: NodeJS.ErrnoException) => {
      reject(e.code === 'ENOENT' ? new Error(`${tool} is not installed, and video sources need it: ${FFMPEG_INSTALL}`) : e);
    });
  });
  return { proc, started };
}

/** Collects a process's stderr (the reason ffmpeg gives on failure) and resolves with its exit code. */
export function exitOf(proc: ChildProcess): Promise<{ code: number | null; stderr: string }> {
  let stderr = '';
  proc.stderr?.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  return new Promise((resolve) => proc.once('close', (code) => resolve({ code, stderr: stderr.trim() })));
}
