/** Where the bench finds the project, the shared sample data, the reference programs, and where it writes. */
import path from 'node:path';

export const PROJECT_ROOT = path.resolve(import.meta.dirname, '..');
export const SHARED_DIR = path.resolve(PROJECT_ROOT, '..', 'shared');

export const WORKBOOK = path.join(SHARED_DIR, 'data', 'egrid', 'egrid2018_data_v2.xlsx');
export const WELL_CSV = path.join(SHARED_DIR, 'data', 'well', 'well_imager_200.csv');
export const REFERENCE_DIR = path.join(SHARED_DIR, 'reference');

export const BUILD_DIR = path.join(PROJECT_ROOT, 'build');
export const LAMBDA_ZIP = path.join(BUILD_DIR, 'lambda.zip');
export const LAYER_ZIP = path.join(BUILD_DIR, 'layer.zip');
export const SERVICE_BUNDLE = path.join(BUILD_DIR, 'webservice', 'server.cjs');
export const RESULTS_DIR = path.join(BUILD_DIR, 'bench');

export const CHALLENGE_1 = path.join(PROJECT_ROOT, 'challenge-1');
export const CHALLENGE_2 = path.join(PROJECT_ROOT, 'challenge-2');

/** The reference runs with Debian's Python, which has pandas & co. */
export const SYSTEM_PYTHON = '/usr/bin/python3';

/** Node arguments that run a TypeScript file of the project from any working folder. */
export function typescriptArgs(script: string, ...args: string[]): string[] {
  return ['--import', import.meta.resolve('tsx'), script, ...args];
}
