// The browser tests' harness: Vite builds the page into a temp folder, its preview server (COOP/COEP headers) serves
// it on 127.0.0.1, and Debian's Chromium runs headless through playwright-core.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { build, preview } from 'vite';

const CHROMIUM = '/usr/bin/chromium';
const configFile = fileURLToPath(new URL('../../web/vite.config.ts', import.meta.url));

export interface ServedPage {
  url: string;
  close(): Promise<void>;
}

/** Builds the page into `outDir` and serves it; close() stops the server. */
export async function servePage(outDir: string): Promise<ServedPage> {
  await build({ configFile, logLevel: 'error', build: { outDir } });
  const server = await preview({ configFile, logLevel: 'error', build: { outDir }, preview: { port: 0, host: '127.0.0.1' } });
  return {
    url: server.resolvedUrls!.local[0]!,
    close: () => new Promise<void>((resolve) => server.httpServer.close(() => resolve())),
  };
}

/** Headless Chromium, offline-minded; `args` add flags (the fake camera's, for instance). */
export function launchChromium(args: string[] = []): Promise<Browser> {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium; npm run setup does it)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', ...args],
  });
}
