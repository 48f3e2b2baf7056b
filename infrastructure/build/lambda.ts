/**
 * build/lambda.zip: every handler in lambda/ bundled on its own (lambda/well.ts -> well.js,
 * handler "well.handler"), CommonJS for Node 20, with third-party packages left external: the layer
 * carries them, and the build fails when a handler imports one the layer does not.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { isNodeBuiltin } from './packages';
import { readLayerModules } from './layer';
import type { ZipEntry } from './zip';
import { PARSE_THREAD_BUNDLE } from '../../core/well/parse-threads';

const NODE_TARGET = 'node20';

/** What every artifact's esbuild run shares: one CommonJS bundle for Node, kept in memory with its metafile. */
export const NODE_BUNDLE = {
  bundle: true,
  platform: 'node',
  target: NODE_TARGET,
  format: 'cjs',
  keepNames: true,
  charset: 'utf8',
  write: false,
  metafile: true,
  logLevel: 'silent',
} as const;

/** Worker-thread scripts the handlers start, bundled beside them (<name>.js); their imports count as their handler's. */
export const WORKER_SCRIPTS = [{ name: PARSE_THREAD_BUNDLE.slice(0, -'.js'.length), file: 'core/well/parse-thread.ts', handler: 'well' }] as const;

export interface HandlerSource {
  /** The file name without extension: the zip holds <name>.js, the handler is <name>.handler. */
  name: string;
  file: string;
}

/** A module exporting `handler` (function, const or re-export); helpers like lambda/events.ts do not. */
const EXPORTS_HANDLER = /^export\s+(?:async\s+)?(?:function\s*\*?\s*handler\b|(?:const|let|var)\s+handler\b)|^export\s*\{[^}]*\bhandler\b[^}]*\}/m;

export function findHandlers(root: string): HandlerSource[] {
  const dir = path.join(root, 'lambda');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.endsWith('.test.ts'))
    .sort()
    .map((f) => ({ name: f.slice(0, -3), file: path.join(dir, f) }))
    .filter((h) => EXPORTS_HANDLER.test(readFileSync(h.file, 'utf8')));
}

export interface HandlerBundle {
  handlers: HandlerSource[];
  files: ZipEntry[];
  /** Third-party import paths left external, per handler. */
  externals: Map<string, string[]>;
  /** Every file esbuild read, relative to root. */
  inputs: string[];
}

export async function bundleHandlers(root: string): Promise<HandlerBundle> {
  const handlers = findHandlers(root);
  if (handlers.length === 0) throw new Error(`no handler found in ${path.join(root, 'lambda')} (a module exporting "handler")`);
  const outdir = path.join(root, 'build', '.lambda');
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: [...handlers.map((h) => ({ in: h.file, out: h.name })), ...WORKER_SCRIPTS.map((w) => ({ in: path.join(root, w.file), out: w.name }))],
    outdir,
    ...NODE_BUNDLE,
    // A module finds the scripts of its worker threads beside its own bundle (core/well/threaded-parse.ts).
    define: { 'import.meta.filename': '__filename', 'import.meta.dirname': '__dirname' },
    packages: 'external',
    legalComments: 'none',
  });
  const externals = new Map<string, string[]>();
  for (const [out, meta] of Object.entries(result.metafile.outputs)) {
    const output = path.basename(out, '.js');
    const name = WORKER_SCRIPTS.find((w) => w.name === output)?.handler ?? output;
    const paths = meta.imports.filter((i) => i.external && !isNodeBuiltin(i.path)).map((i) => i.path);
    externals.set(name, [...new Set([...(externals.get(name) ?? []), ...paths])].sort());
  }
  const files = result.outputFiles.map((f) => ({ name: path.relative(outdir, f.path).split(path.sep).join('/'), data: Buffer.from(f.contents) }));
  return { handlers, files, externals, inputs: Object.keys(result.metafile.inputs) };
}

/** Throws, naming handler and package, when a handler imports something the layer does not carry. */
export function checkAgainstLayer(externals: Map<string, string[]>, layerModules: readonly string[]): void {
  const carried = new Set(layerModules);
  const missing = new Map<string, string[]>();
  for (const [handler, paths] of externals) {
    for (const p of paths) if (!carried.has(p)) missing.set(p, [...(missing.get(p) ?? []), `${handler}.handler`]);
  }
  if (missing.size > 0) {
    const list = [...missing].map(([p, handlers]) => `"${p}" (imported by ${handlers.join(', ')})`).join(', ');
    throw new Error(`the Lambda layer does not carry ${list}: add ${missing.size > 1 ? 'them' : 'it'} to layer/modules.json (and to package.json "dependencies")`);
  }
}

/** Layer entries no handler imports (stale entries make the layer bigger, nothing worse). */
export function unusedLayerModules(externals: Map<string, string[]>, layerModules: readonly string[]): string[] {
  const used = new Set([...externals.values()].flat());
  return layerModules.filter((m) => !used.has(m));
}

export async function lambdaZipEntries(root: string): Promise<{ bundle: HandlerBundle; entries: ZipEntry[] }> {
  const bundle = await bundleHandlers(root);
  checkAgainstLayer(bundle.externals, readLayerModules(root));
  return { bundle, entries: bundle.files };
}
