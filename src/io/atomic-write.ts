// The one way the project writes a file: into a temporary file beside it, then renamed over it, so a full disk, a
// read-only folder or a kill leaves either the old file or the new one — never half of one. Errors name the path
// and say what happened in words ("disk full", "read-only file system").
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export interface AtomicWriteOptions {
  /**
   * Flush the data to the device before the rename (checkpoints, exports): after a power loss the file is then
   * either the old one or the complete new one. Off for small, re-creatable outputs (label .txt files, plots).
   */
  fsync?: boolean;
}

const PLAIN_WORDS: Record<string, string> = {
  ENOSPC: 'disk full',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOENT: 'no such folder',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'is a folder',
};

/** "<action> <path>: disk full (ENOSPC)" for a failed file-system call. */
export function fileSystemError(action: string, path: string, err: unknown): Error {
  const code = (err as NodeJS.ErrnoException).code;
  const words = code && PLAIN_WORDS[code] ? `${PLAIN_WORDS[code]} (${code})` : (err as Error).message;
  return new Error(`${action} ${path}: ${words}`, { cause: err });
}

/**
 * Why a file could not be read, in words and without the path Node's message repeats ("ENOENT: no such file or
 * directory, open '<path>'"): "file not found (ENOENT)", "is a folder (EISDIR)", "permission denied (EACCES)".
 */
export function readFailure(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'file not found (ENOENT)';
  return code && PLAIN_WORDS[code] ? `${PLAIN_WORDS[code]} (${code})` : (err as Error).message;
}

let sequence = 0;

/** Writes `data` to `path` atomically (temp file + rename); the folder must exist. */
export function writeFileAtomic(path: string, data: Uint8Array | string, options: AtomicWriteOptions = {}): void {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const tmp = `${path}.tmp-${process.pid}-${sequence++}`;
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'w');
    for (let at = 0; at < bytes.byteLength; ) at += writeSync(fd, bytes, at, bytes.byteLength - at);
    if (options.fsync) fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    throw fileSystemError('cannot write', path, err);
  }
}

/**
 * `mkdir -p` whose errors tell the truth: Node's recursive mkdir reports ENOENT for any failure under an existing
 * folder (a read-only `--project` included), so the first missing folder is retried alone to get the real cause.
 */
export function makeDirs(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    let missing = resolve(dir);
    while (!existsSync(dirname(missing)) && dirname(missing) !== missing) missing = dirname(missing);
    let cause = err;
    try {
      mkdirSync(missing);
    } catch (real) {
      cause = real;
    }
    throw fileSystemError('cannot create folder', dir, cause);
  }
}
