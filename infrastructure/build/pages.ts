/**
 * The pages (webservice/pages/registry.ts) bundled for the browser by esbuild: for each page
 * `pages/<name>.html`, `<name>.js`, `<name>.css`, the files its CSS refers to under `pages/assets/`, and
 * the package files it names (`files`). They go into build/webservice/pages/ beside server.cjs, which
 * serves them (webservice/pages/router.ts); tests build them into a folder of their own.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import * as esbuild from 'esbuild';
import { PAGES, type PageDefinition } from '../../webservice/pages/registry';
import type { OutputFile } from './outputs';

export const PAGES_DIR = 'pages';

/** Browsers the pages support: the evergreen ones of the last few years. */
const BROWSER_TARGET = ['chrome100', 'firefox100', 'safari15', 'edge100'];

export interface PagesBundle {
  /** Relative to the pages folder. */
  files: OutputFile[];
  inputs: string[];
}

function pageDir(root: string, page: PageDefinition): string {
  return path.join(root, 'webservice', 'pages', page.name);
}

async function bundlePage(root: string, page: PageDefinition): Promise<PagesBundle> {
  const dir = pageDir(root, page);
  const outdir = path.join(root, 'build', '.pages');
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: { [page.name]: path.join(dir, 'main.ts') },
    outdir,
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: BROWSER_TARGET,
    minify: true,
    sourcemap: false,
    charset: 'utf8',
    legalComments: 'none',
    loader: { '.png': 'file', '.svg': 'file' },
    assetNames: 'assets/[name]-[hash]',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const files: OutputFile[] = result.outputFiles.map((f) => ({ name: path.relative(outdir, f.path).split(path.sep).join('/'), data: Buffer.from(f.contents) }));
  const inputs = Object.keys(result.metafile.inputs).map((i) => path.resolve(root, i));
  const html = path.join(dir, 'page.html');
  if (!existsSync(html)) throw new Error(`page ${page.name}: ${html} is missing`);
  files.push({ name: `${page.name}.html`, data: readFileSync(html) });
  inputs.push(html);
  const resolve = createRequire(path.join(root, 'package.json')).resolve;
  for (const [name, module] of Object.entries(page.files ?? {})) {
    const file = resolve(module);
    files.push({ name, data: readFileSync(file) });
    inputs.push(file);
  }
  return { files, inputs };
}

/** Every page of the registry; names under the pages folder. */
export async function bundlePages(root: string): Promise<PagesBundle> {
  const bundles = await Promise.all(PAGES.map((page) => bundlePage(root, page)));
  // Pages may share an asset (the same CSS image): one copy of each name.
  const files = new Map(bundles.flatMap((b) => b.files).map((f) => [f.name, f]));
  return { files: [...files.values()], inputs: [...new Set(bundles.flatMap((b) => b.inputs))] };
}
