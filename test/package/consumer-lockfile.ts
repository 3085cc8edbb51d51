// A package-lock.json for a fresh project that depends on the packed tsyolo tarball, pinning every runtime
// dependency to the version this repository's own lockfile installs. With it npm installs offline from its cache
// (which the repository's set-up filled); without one npm would need registry metadata the cache does not keep.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  [key: string]: unknown;
}

interface PackageJson {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  bin?: Record<string, string>;
  engines?: Record<string, string>;
  license?: string;
}

/** Required (non-optional-peer) dependency names of a package or lock entry. */
function requiredDeps(p: LockEntry | PackageJson): string[] {
  const peers = Object.keys(p.peerDependencies ?? {}).filter((n) => !p.peerDependenciesMeta?.[n]?.optional);
  return [...Object.keys(p.dependencies ?? {}), ...Object.keys(p.optionalDependencies ?? {}), ...peers];
}

/** Where Node would find `name` from the package installed at `from` ('' is the project root). */
function resolveIn(packages: Record<string, LockEntry>, from: string, name: string): string | undefined {
  let dir = from;
  for (;;) {
    const candidate = dir ? `${dir}/node_modules/${name}` : `node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (!dir) return undefined;
    const cut = dir.lastIndexOf('/node_modules/');
    dir = cut < 0 ? '' : dir.slice(0, cut);
  }
}

/** The tarball URL npm uses for a lock entry that records only version and integrity (`registry` ends in '/'). */
function registryTarball(registry: string, path: string, version: string): string {
  const name = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
  const base = name.includes('/') ? name.split('/')[1]! : name;
  return `${registry}${name}/-/${base}-${version}.tgz`;
}

export function consumerLockfile(repoLockFile: string, pkg: PackageJson, tarballFile: string, tarballSpec: string, registry: string): object {
  const repo = (JSON.parse(readFileSync(repoLockFile, 'utf8')) as { packages: Record<string, LockEntry> }).packages;
  const packages: Record<string, LockEntry> = {};
  const queue: Array<[string, string[]]> = [['', requiredDeps(pkg)]];
  while (queue.length) {
    const [from, names] = queue.pop()!;
    for (const name of names) {
      const path = resolveIn(repo, from, name);
      if (!path) {
        if (pkg.optionalDependencies?.[name] !== undefined || repo[from]?.optionalDependencies?.[name] !== undefined) continue;
        throw new Error(`the repository's package-lock.json has no ${name} (needed by ${from || pkg.name})`);
      }
      if (packages[path]) continue;
      const { dev: _dev, devOptional: _devOptional, peer: _peer, ...entry } = repo[path]!;
      packages[path] = { ...entry, resolved: entry.resolved ?? registryTarball(registry.endsWith('/') ? registry : `${registry}/`, path, entry.version!) };
      queue.push([path, requiredDeps(entry)]);
    }
  }
  const integrity = `sha512-${createHash('sha512').update(readFileSync(tarballFile)).digest('base64')}`;
  const own: LockEntry = {
    version: pkg.version,
    resolved: tarballSpec,
    integrity,
    license: pkg.license,
    hasInstallScript: true,
    dependencies: pkg.dependencies,
    optionalDependencies: pkg.optionalDependencies,
    peerDependencies: pkg.peerDependencies,
    peerDependenciesMeta: pkg.peerDependenciesMeta,
    bin: pkg.bin,
    engines: pkg.engines,
  };
  return {
    name: 'app',
    lockfileVersion: 3,
    requires: true,
    packages: { '': { name: 'app', dependencies: { [pkg.name]: tarballSpec } }, [`node_modules/${pkg.name}`]: own, ...packages },
  };
}
