/**
 * Requests per second of the original call, /plants?year=2018&state=AL&top_n=4, measured with autocannon
 * against the real web service (webservice/server.ts in its own process) reading a datamart from the S3
 * emulator. The datamart is the golden 2018 one when ../shared is beside the project, else synthetic.
 *
 *   npx tsx bench/plants-api.ts [--duration 10] [--connections 50] [--path '/plants?...'] [--profile DIR]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { s3Client } from '../core/aws/clients';
import { encodeDatamart } from '../core/egrid/datamart-codec';
import { datamartKey } from '../core/egrid/datamart-layout';
import type { PlantRecord } from '../core/egrid/types';
import { startLocalS3 } from '../infrastructure/emulators/s3';

const ROOT = path.resolve(import.meta.dirname, '..');
const GOLDEN_CSV = path.resolve(ROOT, '..', 'shared', 'golden', 'egrid2018_datamart.csv');
const BUCKET = 'bench-datamarts';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    path: { type: 'string', default: '/plants?year=2018&state=AL&top_n=4' },
    /** Write a V8 CPU profile of the service to this folder. */
    profile: { type: 'string' },
  },
});

async function datamartPlants(): Promise<{ plants: PlantRecord[]; source: string }> {
  if (existsSync(GOLDEN_CSV)) {
    const { goldenPlantRecords } = await import('../test/helpers/plants-service');
    return { plants: await goldenPlantRecords(GOLDEN_CSV), source: GOLDEN_CSV };
  }
  const states = ['AL', 'AK', 'AZ', 'CA', 'TX', 'NY', 'VT', 'DC'];
  const plants = Array.from({ length: 9000 }, (_, i) => ({
    plant_id: i + 1,
    plant_name: `Synthetic plant ${i + 1}`,
    state: states[i % states.length]!,
    lat: 30 + (i % 20),
    lon: -120 + (i % 50),
    fuel: 'GAS',
    annual_netgen_abs: 9000 - i,
    annual_netgen_rel: 0,
  }));
  return { plants, source: 'synthetic (../shared not found)' };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

async function waitForHealth(url: string, child: ChildProcess): Promise<void> {
  for (let attempt = 0; attempt < 300; attempt++) {
    if (child.exitCode !== null) throw new Error(`the web service exited with code ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the web service did not answer ${url}/health`);
}

async function main(): Promise<void> {
  const work = await mkdtemp(path.join(tmpdir(), 'bench-plants-'));
  const s3Emulator = await startLocalS3({ port: 0, directory: path.join(work, 's3') });
  let service: ChildProcess | undefined;
  try {
    const settings = { region: 'eu-central-1', s3Endpoint: s3Emulator.endpoint };
    const s3 = s3Client(settings);
    const { plants, source } = await datamartPlants();
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: datamartKey(2018), Body: encodeDatamart(plants) }));
    s3.destroy();

    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const profiling = args.profile ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(args.profile)}`] : [];
    service = spawn(process.execPath, [...profiling, '--import=tsx', path.join(ROOT, 'webservice', 'server.ts')], {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: 'warn', HOST: '127.0.0.1', PORT: String(port), SERVICE_ROUTES: 'plants', DATAMARTS_BUCKET: BUCKET, S3_ENDPOINT: s3Emulator.endpoint, CACHE_DIR: path.join(work, 'cache') },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    await waitForHealth(url, service);
    const target = `${url}${args.path}`;
    const check = await fetch(target);
    if (!check.ok) throw new Error(`${target} answered ${check.status}: ${await check.text()}`);

    const result = await autocannon({ url: target, connections: Number(args.connections), duration: Number(args.duration) });
    const failures = result.errors + result.timeouts + result.non2xx;
    console.log(
      JSON.stringify(
        {
          path: args.path,
          datamart: `${plants.length} plants from ${source}`,
          connections: Number(args.connections),
          durationSeconds: result.duration,
          requestsPerSecond: { mean: result.requests.average, p50: result.requests.p50, min: result.requests.min },
          latencyMs: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
          requests: result.requests.total,
          failures,
        },
        null,
        2,
      ),
    );
    if (failures > 0) process.exitCode = 1;
  } finally {
    if (service && service.exitCode === null) {
      const exited = new Promise((resolve) => service!.once('exit', resolve));
      service.kill('SIGTERM');
      await exited;
    }
    await s3Emulator.close();
    await rm(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
