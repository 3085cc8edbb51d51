// Which plugin files this thread has loaded, kept apart from the loader (load-plugins.ts imports the block
// registry) so the data loader and the DDP launcher can hand the list on without importing any block.

/** Environment variable that carries the loaded plugins (JSON list of absolute paths) to DDP rank processes. */
export const PLUGINS_ENV = 'TSYOLO_PLUGINS';

const loaded: string[] = [];

/** Absolute paths of the plugins loaded in this thread, in load order. */
export function loadedPlugins(): string[] {
  return [...loaded];
}

export function isPluginLoaded(path: string): boolean {
  return loaded.includes(path);
}

export function markPluginLoaded(path: string): void {
  if (!loaded.includes(path)) loaded.push(path);
}
