/** The pages bundled by the project's own build (infrastructure/build/pages.ts) into a temporary folder, once per test process. */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bundlePages } from '../../infrastructure/build/pages';
import { syncDirectory } from '../../infrastructure/build/outputs';
import { PROJECT_ROOT } from './shared';

let built: Promise<string> | undefined;

export function builtPages(): Promise<string> {
  return (built ??= (async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'pages-'));
    const { files } = await bundlePages(PROJECT_ROOT);
    await syncDirectory(dir, files);
    return dir;
  })());
}
