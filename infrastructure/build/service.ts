/**
 * build/webservice/: the web service as one CommonJS file (server.cjs, every dependency bundled) plus
 * the Swagger UI assets it serves under /docs, in swagger-ui-dist/ beside it, and the pages it serves
 * (pages.ts), in pages/ beside it. `node server.cjs` runs with no node_modules and no package.json.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import * as esbuild from 'esbuild';
import { NODE_BUNDLE } from './lambda';
import { nativePackagesAmong } from './packages';
import type { OutputFile } from './outputs';
import { bundlePages, PAGES_DIR } from './pages';

export const SERVICE_ENTRY = path.join('webservice', 'server.ts');
export const SERVICE_MAIN = 'server.cjs';
const SWAGGER_DIR = 'swagger-ui-dist';
/** What swagger-ui-express's page loads (its own HTML and init script are generated in memory). */
const SWAGGER_ASSETS = ['swagger-ui.css', 'swagger-ui-bundle.js', 'swagger-ui-standalone-preset.js', 'favicon-16x16.png', 'favicon-32x32.png', 'oauth2-redirect.html', 'oauth2-redirect.js', 'LICENSE', 'NOTICE'];

/**
 * swagger-ui-express serves express.static(<swagger-ui-dist's __dirname>). Bundled, that __dirname
 * would be the bundle's folder (serving server.cjs itself under /docs), so point it at the asset copy.
 */
const swaggerAssetsBesideBundle: esbuild.Plugin = {
  name: 'swagger-ui-dist-beside-bundle',
  setup(build) {
    build.onLoad({ filter: /[\\/]swagger-ui-dist[\\/]absolute-path\.js$/ }, () => ({
      contents: `module.exports = function getAbsoluteFSPath() { return require('path').join(__dirname, ${JSON.stringify(SWAGGER_DIR)}); };\n`,
      loader: 'js',
    }));
  },
};

export interface ServiceBundle {
  files: OutputFile[];
  inputs: string[];
}

function swaggerUiDistDir(root: string): string {
  const fromExpress = createRequire(createRequire(path.join(root, 'package.json')).resolve('swagger-ui-express'));
  return path.dirname(fromExpress.resolve('swagger-ui-dist/package.json'));
}

export async function bundleService(root: string): Promise<ServiceBundle> {
  const generated = path.join(root, 'webservice', 'generated', 'routes.ts');
  if (!existsSync(generated)) throw new Error(`${generated} is missing: run "npm run routes" first (npm run build does)`);
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: [path.join(root, SERVICE_ENTRY)],
    outfile: path.join(root, 'build', '.webservice', SERVICE_MAIN),
    ...NODE_BUNDLE,
    legalComments: 'eof',
    plugins: [swaggerAssetsBesideBundle],
  });
  const inputs = Object.keys(result.metafile.inputs);
  const native = nativePackagesAmong(root, inputs);
  if (native.length > 0) throw new Error(`the web service bundle pulls in native code (${native.join(', ')}): it would not run on linux-x64 when built elsewhere (SPEC §6.2)`);
  const main = result.outputFiles[0];
  if (!main) throw new Error('esbuild produced no web service bundle');
  const assetsDir = swaggerUiDistDir(root);
  const assets = SWAGGER_ASSETS.map((name) => {
    const file = path.join(assetsDir, name);
    if (!existsSync(file)) throw new Error(`swagger-ui-dist asset missing: ${file}`);
    inputs.push(file);
    return { name: `${SWAGGER_DIR}/${name}`, data: readFileSync(file) };
  });
  const pages = await bundlePages(root);
  inputs.push(...pages.inputs);
  const pageFiles = pages.files.map((f) => ({ name: `${PAGES_DIR}/${f.name}`, data: f.data }));
  return { files: [{ name: SERVICE_MAIN, data: Buffer.from(main.contents) }, ...assets, ...pageFiles], inputs };
}
