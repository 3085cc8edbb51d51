#!/usr/bin/env node
// tsyolo's command line. The installed package runs the compiled dist/; a git checkout (src/ is not shipped)
// runs the TypeScript sources through tsx, so edits take effect without a build.
import { existsSync } from 'node:fs';

const fromSource = existsSync(new URL('../src/cli/main.ts', import.meta.url));
if (fromSource) (await import('tsx/esm/api')).register();
const { main } = await import(fromSource ? '../src/cli/main.ts' : '../dist/cli/main.js');
process.exitCode = await main(process.argv.slice(2));
