/**
 * The esbuild build: `tsx infrastructure/build/build.ts [lambda|layer|service|all] [--out build]`.
 *   <out>/lambda.zip   handlers (lambda/*.ts exporting `handler`), third-party packages external
 *   <out>/layer.zip    nodejs/node_modules/<module>/index.js for each entry of layer/modules.json
 *   <out>/webservice/  server.cjs + swagger-ui-dist/ (run: node <out>/webservice/server.cjs)
 * Outputs are rewritten only when their bytes change; <out>/.deps/<artifact>.d is a make depfile for
 * the stamp <out>/.deps/<artifact>.stamp (see the README for the make rules).
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { lambdaZipEntries, unusedLayerModules } from './lambda';
import { LAYER_MODULES_FILE, bundleLayer, readLayerModules } from './layer';
import { bundleService } from './service';
import { collapseInputs, syncDirectory, writeDepfile, writeIfChanged } from './outputs';
import { PROJECT_ROOT } from './packages';
import { zipBuffer } from './zip';

export const ARTIFACTS = ['lambda', 'layer', 'service'] as const;
export type Artifact = (typeof ARTIFACTS)[number];

export interface BuildReport {
  artifact: Artifact;
  /** The zip, or the service folder. */
  output: string;
  bytes: number;
  changed: boolean;
  millis: number;
  notes: string[];
}

export interface BuildOptions {
  root?: string;
  /** Output folder as the caller spells it (the depfiles use this spelling). */
  out: string;
}

/** Every input besides what esbuild reads: the build itself, the dependency set. */
function commonInputs(root: string): string[] {
  const buildDir = path.join(root, 'infrastructure', 'build');
  return [
    ...readdirSync(buildDir)
      .filter((f) => f.endsWith('.ts'))
      .map((f) => path.join(buildDir, f)),
    path.join(root, 'package.json'),
    path.join(root, 'package-lock.json'),
  ];
}

async function buildLambda(root: string, out: string): Promise<Omit<BuildReport, 'millis'>> {
  const { bundle, entries } = await lambdaZipEntries(root);
  const zip = await zipBuffer(entries);
  const output = path.join(out, 'lambda.zip');
  const changed = await writeIfChanged(output, zip);
  // The lambda/ folder itself: adding a handler changes its mtime.
  await writeDepfile(out, 'lambda', [...collapseInputs(root, bundle.inputs), path.join(root, 'lambda'), path.join(root, LAYER_MODULES_FILE), ...commonInputs(root)]);
  const notes = [`handlers: ${bundle.handlers.map((h) => `${h.name}.handler`).join(', ')}`];
  const unused = unusedLayerModules(bundle.externals, readLayerModules(root));
  if (unused.length > 0) notes.push(`warning: layer/modules.json carries modules no handler imports: ${unused.join(', ')}`);
  return { artifact: 'lambda', output, bytes: zip.length, changed, notes };
}

async function buildLayer(root: string, out: string): Promise<Omit<BuildReport, 'millis'>> {
  const layer = await bundleLayer(root, readLayerModules(root));
  const zip = await zipBuffer(layer.entries);
  const output = path.join(out, 'layer.zip');
  const changed = await writeIfChanged(output, zip);
  await writeDepfile(out, 'layer', [...collapseInputs(root, layer.inputs), path.join(root, LAYER_MODULES_FILE), ...commonInputs(root)]);
  return { artifact: 'layer', output, bytes: zip.length, changed, notes: [`modules: ${layer.modules.join(', ')}`] };
}

async function buildService(root: string, out: string): Promise<Omit<BuildReport, 'millis'>> {
  const service = await bundleService(root);
  const output = path.join(out, 'webservice');
  const { written, removed } = await syncDirectory(output, service.files);
  const dirs = ['webservice', path.join('webservice', 'controllers'), path.join('webservice', 'pages')].map((d) => path.join(root, d));
  await writeDepfile(out, 'service', [...collapseInputs(root, service.inputs), ...dirs, ...commonInputs(root)]);
  const bytes = service.files.reduce((n, f) => n + f.data.length, 0);
  return { artifact: 'service', output, bytes, changed: written + removed > 0, notes: [`${service.files.length} files`] };
}

const BUILDERS: Record<Artifact, (root: string, out: string) => Promise<Omit<BuildReport, 'millis'>>> = {
  lambda: buildLambda,
  layer: buildLayer,
  service: buildService,
};

export async function buildArtifact(artifact: Artifact, options: BuildOptions): Promise<BuildReport> {
  const started = performance.now();
  const report = await BUILDERS[artifact](options.root ?? PROJECT_ROOT, options.out);
  return { ...report, millis: Math.round(performance.now() - started) };
}

export async function buildArtifacts(artifacts: readonly Artifact[], options: BuildOptions): Promise<BuildReport[]> {
  const reports: BuildReport[] = [];
  for (const artifact of artifacts) reports.push(await buildArtifact(artifact, options));
  return reports;
}

function parseArgs(argv: string[]): { artifacts: Artifact[]; out: string } {
  let out = 'build';
  const artifacts: Artifact[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--out') {
      const value = argv[++i];
      if (!value) throw new Error('--out needs a folder');
      out = value;
    } else if (arg.startsWith('--out=')) {
      out = arg.slice('--out='.length);
    } else if (arg === 'all') {
      artifacts.push(...ARTIFACTS);
    } else if ((ARTIFACTS as readonly string[]).includes(arg)) {
      artifacts.push(arg as Artifact);
    } else {
      throw new Error(`unknown argument "${arg}" (usage: build.ts [lambda|layer|service|all]... [--out DIR])`);
    }
  }
  return { artifacts: artifacts.length > 0 ? [...new Set(artifacts)] : [...ARTIFACTS], out };
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(2)} MiB` : `${(n / 1024).toFixed(1)} KiB`;
}

async function main(): Promise<void> {
  const { artifacts, out } = parseArgs(process.argv.slice(2));
  for (const artifact of artifacts) {
    const r = await buildArtifact(artifact, { out });
    console.log(`${r.output.padEnd(24)} ${formatBytes(r.bytes).padStart(10)}  ${r.changed ? 'written  ' : 'unchanged'}  ${(r.millis / 1000).toFixed(1)} s  ${r.notes.join('; ')}`);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  main().catch((err: unknown) => {
    console.error(`build failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
