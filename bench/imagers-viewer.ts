/**
 * `npm run bench:viewer` (issue 13): the imagers API as the viewer uses it, on the built service
 * (build/webservice/server.cjs) over the emulators with the real sample ingested:
 * - the whole well (5,460 rows) as a colour PNG, and with height=500: latency p99, one kept-alive
 *   connection (node:http), and the service's CPU time per answer;
 * - a scroll through the whole well in 50 ft PNG tiles (a new colour map each pass, so every tile is
 *   encoded again): the service's time per tile p99 (its Server-Timing, which the target is about), the
 *   client's beside it, one connection, and the service's CPU time per tile;
 * - the whole well as colour JSON: gzip and brotli sizes against the raw size;
 * - a 10-row colour JSON frame at 32 connections beside a bare Node `http` server in its own process
 *   answering the same bytes (the limit of this machine): requests per second and their ratio.
 * Flags: --build (rebuild the bundle first), --duration S (load runs, default 10), --profile (the
 * service runs under node --cpu-prof; the profile goes to build/bench/profiles/).
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { dynamoClient, s3Client } from '../core/aws/clients';
import { loadChallengeConfig } from '../core/config';
import { DEFAULT_IMAGES_SIZE, ingestWell } from '../core/well/ingest';
import { createWellTable, WellStore } from '../core/well/store';
import { startBareServer } from './bare-server';
import { ensureBuilt } from './build';
import { keptAliveGet } from './keep-alive-get';
import { startBenchEmulators } from './emulators';
import { runLoad } from './load';
import { totalCpuMs } from './cpu-time';
import { currentCommit, loadAverageNow } from './machine';
import { CHALLENGE_2, RESULTS_DIR, WELL_CSV } from './paths';
import { stopAllStarted, stopProcess } from './processes';
import { startService } from './service';

const WELL = 'test-well';
const log = (line: string): void => void process.stderr.write(`${line}\n`);

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

interface Timings {
  /** From sending each request to its last byte, as this client saw it. */
  client: number[];
  /** The service's own time for each (its Server-Timing): what is left when the waits for a core on this shared machine are not counted. */
  server: number[];
}

/**
 * Times each request from sending to the last byte, one after the other on one kept-alive connection,
 * and reads the service's own time for it; every answer must be a 200. node:http, not fetch: fetch's own
 * work on a 1 MB body (~10 ms here under load) would be counted as the service's.
 */
async function timed(urls: string[], headers: Record<string, string> = {}): Promise<Timings> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const timings: Timings = { client: [], server: [] };
  try {
    for (const url of urls) {
      const started = performance.now();
      const { status, serverMs } = await keptAliveGet(url, agent, headers);
      timings.client.push(performance.now() - started);
      if (status !== 200) throw new Error(`${url} answered ${status}`);
      if (serverMs === undefined) throw new Error(`${url} sent no Server-Timing`);
      timings.server.push(serverMs);
    }
  } finally {
    agent.destroy();
  }
  return timings;
}

const p50p99 = (values: number[]): string => `p50 ${percentile(values, 50).toFixed(1)} ms, p99 ${percentile(values, 99).toFixed(1)} ms`;

async function rawSize(url: string, encoding: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request(url, { headers: { 'Accept-Encoding': encoding } }, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => (bytes += chunk.length));
      res.on('end', () => resolve(bytes));
    }).on('error', reject).end();
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { build: { type: 'boolean' }, duration: { type: 'string' }, profile: { type: 'boolean' } } });
  const duration = Number(values.duration ?? 10);
  const loadAtStart = loadAverageNow();
  await ensureBuilt(log, values.build ?? false);
  const config = loadChallengeConfig(CHALLENGE_2);
  const workDir = await mkdtemp(path.join(tmpdir(), 'bench-viewer-'));
  const emulators = await startBenchEmulators(workDir, config.aws_region);
  try {
    const s3 = s3Client(emulators.settings);
    const dynamo = dynamoClient(emulators.settings);
    await s3.send(new CreateBucketCommand({ Bucket: 'raw' }));
    await s3.send(new PutObjectCommand({ Bucket: 'raw', Key: 'well.csv', Body: await readFile(WELL_CSV) }));
    await createWellTable(dynamo, config.table_name!);
    const store = new WellStore({ client: dynamo, tableName: config.table_name! });
    const ingest = await ingestWell({ bucket: 'raw', key: 'well.csv', well: WELL }, { s3, store, imagesSize: DEFAULT_IMAGES_SIZE });
    log(`ingested ${ingest.rowsWritten} rows`);
    const profileDir = values.profile ? path.join(RESULTS_DIR, 'profiles', `viewer-${new Date().toISOString().replace(/[:.]/g, '-')}`) : undefined;
    const service = await startService({ config, aws: emulators.settings, dir: path.join(workDir, 'service'), cpuProfileDir: profileDir });
    const base = `${service.url}/imagers/${WELL}`;
    const whole = `${base}?min_depth=0&max_depth=100000`;
    await timed([`${whole}&colormap=gist_earth&format=png`]); // the well's rows into the service's memory

    const repeat = (url: string, n: number): string[] => Array.from({ length: n }, () => url);
    // The service's CPU per answer (all its threads): what the latencies are made of, whatever the machine's load.
    const pid = service.process.pid;
    const cpuPer = async (n: number, run: () => Promise<Timings>): Promise<[Timings, number]> => {
      const before = totalCpuMs([pid]);
      const times = await run();
      return [times, (totalCpuMs([pid]) - before) / n];
    };
    const [wholePng, wholePngCpuMs] = await cpuPer(100, () => timed(repeat(`${whole}&colormap=gist_earth&format=png&normalize=none`, 100)));
    const height500 = await timed(repeat(`${whole}&colormap=gist_earth&format=png&height=500`, 200));

    const colormaps = ((await (await fetch(`${service.url}/colormaps`)).json()) as string[]).slice(0, 24);
    const tiles: string[] = [];
    for (const map of colormaps) {
      for (let top = 9000; top < 9550; top += 50) tiles.push(`${base}?min_depth=${top}&max_depth=${(top + 49.9).toFixed(1)}&colormap=${map}&normalize=well&format=png`);
    }
    const [tileTimes, tileCpuMs] = await cpuPer(tiles.length, () => timed(tiles));

    const jsonUrl = `${whole}&colormap=gist_earth`;
    const [raw, gzip, br] = [await rawSize(jsonUrl, 'identity'), await rawSize(jsonUrl, 'gzip'), await rawSize(jsonUrl, 'br')];

    const frame10 = `${base}?min_depth=9000.1&max_depth=9001.0&colormap=gist_earth`;
    const frameBody = Buffer.from(await (await fetch(frame10, { headers: { 'Accept-Encoding': 'identity' } })).arrayBuffer());
    const bare = await startBareServer(workDir, frameBody, 'application/json; charset=utf-8');
    const bareLoad = await runLoad(bare.url, 32, duration, 10, [bare.pid]);
    await bare.stop();
    const serviceLoad = await runLoad(frame10, 32, duration, 10, [service.process.pid]);

    const rows: [string, string, string, string][] = [
      ['whole well colour PNG (5,460 rows), 1 connection', `${p50p99(wholePng.client)} (server time ${p50p99(wholePng.server)}); service CPU ${wholePngCpuMs.toFixed(1)} ms each`, 'p99 < 50 ms', percentile(wholePng.client, 99) < 50 ? 'PASS' : 'MISS'],
      ['whole well, height=500, colour PNG', `${p50p99(height500.client)} (server time ${p50p99(height500.server)})`, 'p99 < 30 ms', percentile(height500.client, 99) < 30 ? 'PASS' : 'MISS'],
      [`scroll in 50 ft PNG tiles (${tiles.length} tiles, ${colormaps.length} maps)`, `server time ${p50p99(tileTimes.server)} (client ${p50p99(tileTimes.client)}); service CPU ${tileCpuMs.toFixed(1)} ms each`, 'server time p99 < 15 ms', percentile(tileTimes.server, 99) < 15 ? 'PASS' : 'MISS'],
      ['whole well colour JSON, compressed / raw', `gzip ${((100 * gzip) / raw).toFixed(1)}%, br ${((100 * br) / raw).toFixed(1)}% of ${(raw / 1e6).toFixed(1)} MB`, '≤ 33%', Math.max(gzip, br) <= raw * 0.33 ? 'PASS' : 'MISS'],
      ['10-row colour JSON, 32 connections: service / bare http', `${serviceLoad.rps.toFixed(0)} / ${bareLoad.rps.toFixed(0)} req/s (${((100 * serviceLoad.rps) / bareLoad.rps).toFixed(0)}%), p99 ${serviceLoad.p99Ms} ms`, '≥ 20%', serviceLoad.rps >= 0.2 * bareLoad.rps ? 'PASS' : 'MISS'],
    ];
    const width = rows.reduce((w, r) => Math.max(w, r[0].length), 0);
    const table = rows.map((r) => `${r[0].padEnd(width)}  ${r[1]}  [${r[2]}: ${r[3]}]`).join('\n');
    const machine = { commit: currentCommit(), loadAverage: { start: loadAtStart, end: loadAverageNow() } };
    process.stdout.write(`${table}\ncommit ${machine.commit}, load average (1 min) ${machine.loadAverage.start.toFixed(1)} at the start, ${machine.loadAverage.end.toFixed(1)} at the end\n`);
    await mkdir(RESULTS_DIR, { recursive: true });
    const figures = { machine, wholePng, wholePngCpuMs, height500, tileTimes, tileCpuMs, sizes: { raw, gzip, br }, bareLoad, serviceLoad, rows };
    await writeFile(path.join(RESULTS_DIR, 'imagers-viewer.json'), JSON.stringify(figures, null, 1));
    s3.destroy();
    dynamo.destroy();
    if (profileDir) {
      await stopProcess(service.process, 15_000); // a graceful stop: node writes the CPU profile on exit
      log(`CPU profile of the service: ${profileDir}`);
    }
  } finally {
    await stopAllStarted();
    await emulators.stop();
    await rm(workDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  log(`bench:viewer failed: ${err instanceof Error ? err.stack : String(err)}`);
  process.exit(1);
});
