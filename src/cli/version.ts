// The package's version for `tsyolo --version`, read from package.json (two levels up from src/cli and dist/cli).
import { readFileSync } from 'node:fs';

export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  if (typeof pkg.version !== 'string') throw new Error("tsyolo's package.json has no version");
  return pkg.version;
}
