/** What the builds need to know about npm packages: names, runtime dependencies, native code. */
import { existsSync, readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import path from 'node:path';

export const PROJECT_ROOT = path.resolve(import.meta.dirname, '..', '..');

/** '@aws-sdk/client-s3/dist' -> '@aws-sdk/client-s3'; 'csv-parse/sync' -> 'csv-parse'. */
export function packageNameOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

export function isNodeBuiltin(specifier: string): boolean {
  return specifier.startsWith('node:') || isBuiltin(specifier);
}

/** The project's runtime dependencies (package.json "dependencies"): what a shipped artifact may use. */
export function runtimeDependencies(root: string): Set<string> {
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  return new Set(Object.keys(pkg.dependencies ?? {}));
}

/**
 * Packages among esbuild's inputs that carry native code (a binding.gyp, prebuilt binaries, a .node
 * file): such code would only run on the platform that built it (SPEC §6.2).
 */
export function nativePackagesAmong(root: string, inputs: Iterable<string>): string[] {
  const found = new Set<string>();
  const checked = new Set<string>();
  const marker = `${path.sep}node_modules${path.sep}`;
  for (const input of inputs) {
    const abs = path.resolve(root, input);
    if (abs.endsWith('.node')) found.add(abs);
    const at = abs.lastIndexOf(marker);
    if (at < 0) continue;
    const rest = abs.slice(at + marker.length).split(path.sep);
    const name = rest[0]?.startsWith('@') ? rest.slice(0, 2).join('/') : rest[0]!;
    const dir = path.join(abs.slice(0, at + marker.length), name);
    if (checked.has(dir)) continue;
    checked.add(dir);
    if (['binding.gyp', 'prebuilds', path.join('build', 'Release')].some((f) => existsSync(path.join(dir, f)))) found.add(name);
    if (['node-gyp-build', 'bindings', '@mapbox/node-pre-gyp', 'prebuild-install'].includes(name)) found.add(name);
  }
  return [...found].sort();
}
