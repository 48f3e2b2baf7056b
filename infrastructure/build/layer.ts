/**
 * build/layer.zip: the third-party runtime libraries the handlers import (layer/modules.json), each
 * bundled by esbuild into nodejs/node_modules/<module>/index.js (CommonJS), so that require('<module>')
 * resolves through NODE_PATH=/opt/nodejs/node_modules. A module importing another layer module
 * (the same resolved file) requires the layer's copy instead of bundling a second one.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { isNodeBuiltin, nativePackagesAmong, packageNameOf, runtimeDependencies } from './packages';
import type { ZipEntry } from './zip';
import { NODE_BUNDLE } from './lambda';

export const LAYER_MODULES_FILE = path.join('layer', 'modules.json');

interface LayerModulesFile {
  modules: string[];
}

export function readLayerModules(root: string): string[] {
  const file = path.join(root, LAYER_MODULES_FILE);
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<LayerModulesFile>;
  if (!Array.isArray(parsed.modules) || !parsed.modules.every((m) => typeof m === 'string' && m !== '')) {
    throw new Error(`${file}: expected {"modules": ["package", "package/subpath", ...]}`);
  }
  const deps = runtimeDependencies(root);
  const notRuntime = parsed.modules.filter((m) => !deps.has(packageNameOf(m)));
  if (notRuntime.length > 0) throw new Error(`${file}: ${notRuntime.join(', ')} not in package.json "dependencies" (a layer carries runtime dependencies only)`);
  return [...new Set(parsed.modules)].sort();
}

/** Resolved by esbuild from the project root: what require('<module>') means for the layer. */
async function resolveFromRoot(root: string, modules: readonly string[]): Promise<Map<string, string>> {
  const resolved = new Map<string, string>();
  await esbuild.build({
    absWorkingDir: root,
    stdin: { contents: '', resolveDir: root },
    write: false,
    logLevel: 'silent',
    plugins: [
      {
        name: 'resolve-layer-modules',
        setup(build) {
          build.onStart(async () => {
            for (const m of modules) {
              const r = await build.resolve(m, { kind: 'require-call', resolveDir: root, importer: path.join(root, 'layer.js') });
              if (r.errors.length > 0) throw new Error(`layer module "${m}" cannot be resolved from ${root}: ${r.errors[0]!.text} (npm ci?)`);
              resolved.set(m, r.path);
            }
          });
        },
      },
    ],
  });
  return resolved;
}

function siblingsExternal(resolved: Map<string, string>, self: string): esbuild.Plugin {
  const SKIP = Symbol('skip');
  return {
    name: 'layer-siblings-external',
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.path === self || !resolved.has(args.path) || args.pluginData === SKIP) return undefined;
        const r = await build.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: SKIP });
        // Only when it is the very file the layer ships: a nested, different version stays bundled.
        return r.path === resolved.get(args.path) ? { path: args.path, external: true } : undefined;
      });
    },
  };
}

export interface LayerBundle {
  modules: string[];
  entries: ZipEntry[];
  inputs: string[];
}

export async function bundleLayer(root: string, modules: readonly string[]): Promise<LayerBundle> {
  const resolved = await resolveFromRoot(root, modules);
  const inputs = new Set<string>();
  const entries = await Promise.all(
    modules.map(async (m): Promise<ZipEntry> => {
      const name = `nodejs/node_modules/${m}/index.js`;
      const result = await esbuild.build({
        absWorkingDir: root,
        stdin: { contents: `module.exports = require(${JSON.stringify(m)});\n`, resolveDir: root, sourcefile: `layer-entry-${m}.js`, loader: 'js' },
        outfile: path.join(root, 'build', '.layer', name),
        ...NODE_BUNDLE,
        minify: true,
        legalComments: 'eof',
        plugins: [siblingsExternal(resolved, m)],
      });
      const read = Object.keys(result.metafile.inputs).filter((i) => !i.startsWith('<stdin>') && !i.startsWith('layer-entry-'));
      const native = nativePackagesAmong(root, read);
      if (native.length > 0) throw new Error(`layer module "${m}" pulls in native code (${native.join(', ')}): it would not run on linux-x64 Lambda when built elsewhere (SPEC §6.2)`);
      const unmet = Object.values(result.metafile.outputs)
        .flatMap((o) => o.imports)
        .filter((i) => i.external && !isNodeBuiltin(i.path) && !resolved.has(i.path))
        .map((i) => i.path);
      if (unmet.length > 0) throw new Error(`layer module "${m}" would require ${[...new Set(unmet)].join(', ')} at run time, which the layer does not carry`);
      read.forEach((i) => inputs.add(i));
      const out = result.outputFiles[0];
      if (!out) throw new Error(`esbuild produced no output for layer module "${m}"`);
      return { name, data: Buffer.from(out.contents) };
    }),
  );
  return { modules: [...modules], entries, inputs: [...inputs] };
}
