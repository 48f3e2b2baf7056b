/**
 * The plants map and the HTTP layer under it (issue 12), against challenge-1's running service:
 * - the /map page in headless chromium (fresh profile, empty cache): time from navigation to all of
 *   2018's plants drawn, and the bytes transferred before that draw (outlines included);
 * - /plants?year=2018 compressed (Accept-Encoding: br, gzip): size against the raw answer, req/s on one
 *   connection;
 * - 304s against 200s for the original call;
 * - the limit: a bare node:http server answering the same bytes as /plants?year=2018&state=AL&top_n=4
 *   beside the service, both at 32 connections.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Agent } from 'node:http';
import autocannon from 'autocannon';
import { chromium } from 'playwright-core';
import { CHROMIUM_FLAGS, CHROMIUM_PATH } from '../test/helpers/browser';
import { startBareServer } from './bare-server';
import { keptAliveGet } from './keep-alive-get';
import type { TargetResult } from './results';

export const ALL_PLANTS_2018 = 8955;
const ORIGINAL_CALL = '/plants?year=2018&state=AL&top_n=4';
const ALL_2018 = '/plants?year=2018';

export interface PageLoad {
  /** Navigation start to the page's `plants-drawn` mark, ms (best of the runs, each with an empty cache). */
  drawnMs: number;
  allDrawnMs: number[];
  plantsDrawn: number;
  /** Bytes on the wire (headers + compressed bodies) of every response finished before the draw. */
  bytesBeforeDraw: number;
  /** Navigation start to the page being complete (a large selection's details in the list and popups), ms, same run as drawnMs. */
  completeMs?: number;
  /** Bytes on the wire of the whole load, the details of a large selection included. */
  bytesTotal?: number;
}

export interface Rate {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** Answers that were not the expected status. */
  unexpected: number;
}

export interface MapFigures {
  allPlants?: PageLoad | { error: string };
  defaultPage?: PageLoad | { error: string };
  compression: { rawBytes: number; brBytes: number; gzipBytes: number; brOneConnection: Rate };
  revalidation: { ok200: Rate; notModified304: Rate; connections: number };
  bareLimit: { bytes: number; connections: number; service: Rate; bare: Rate };
}

async function load(url: string, connections: number, durationSeconds: number, headers: Record<string, string>, expectStatus: number): Promise<Rate> {
  const result = await autocannon({ url, connections, duration: durationSeconds, headers });
  const expected = expectStatus === 200 ? result['2xx'] : expectStatus === 304 ? result['3xx'] : 0;
  return { rps: expected / result.duration, p50Ms: result.latency.p50, p99Ms: result.latency.p99, unexpected: result.requests.total - expected };
}

/**
 * One keep-alive connection, one request after the other, for `durationSeconds`. Used for compressed
 * answers: autocannon takes ~11 ms to take in a 330 KB binary body here, whatever server sends it (a bare
 * node:http server included), which would measure autocannon rather than the service.
 */
async function sequentialRate(url: string, durationSeconds: number, headers: Record<string, string>, expectStatus: number): Promise<Rate> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const latencies: number[] = [];
  let unexpected = 0;
  const started = performance.now();
  const end = started + durationSeconds * 1000;
  try {
    while (performance.now() < end) {
      const sent = performance.now();
      const { status } = await keptAliveGet(url, agent, headers);
      latencies.push(performance.now() - sent);
      if (status !== expectStatus) unexpected++;
    }
  } finally {
    agent.destroy();
  }
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number): number => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0);
  return { rps: (latencies.length - unexpected) / seconds, p50Ms: at(0.5), p99Ms: at(0.99), unexpected };
}

async function bytesOf(url: string, headers: Record<string, string>): Promise<{ body: Buffer; headers: Headers }> {
  // fetch would decode a compressed body: ask node:http-like semantics through the raw stream instead.
  const { rawGet } = await import('../test/helpers/http');
  const res = await rawGet(url, headers);
  return { body: res.body, headers: new Headers(Object.entries(res.headers).map(([k, v]) => [k, String(v)])) };
}

async function pageLoad(url: string, runs: number): Promise<PageLoad> {
  const times: number[] = [];
  let plantsDrawn = 0;
  let bytesBeforeDraw = 0;
  const completes: (number | undefined)[] = [];
  let bytesTotal = 0;
  for (let run = 0; run < runs; run++) {
    const profile = await mkdtemp(path.join(tmpdir(), 'bench-chromium-'));
    const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_FLAGS, viewport: { width: 1280, height: 800 } });
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      await page.goto(url);
      await page.waitForSelector('#map[data-state="ready"]', { timeout: 60_000 });
      const measured = await page.evaluate<{ drawn: number; bytes: number; count: number; complete?: number; total: number }>(`(() => {
        const drawn = performance.getEntriesByName('plants-drawn')[0].startTime;
        const complete = performance.getEntriesByName('plants-complete')[0]?.startTime;
        const entries = [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')];
        const bytes = entries.filter((e) => e.responseEnd <= drawn).reduce((sum, e) => sum + e.transferSize, 0);
        const total = entries.reduce((sum, e) => sum + e.transferSize, 0);
        return { drawn, bytes, count: Number(document.getElementById('map').dataset.plantsDrawn), complete, total };
      })()`);
      times.push(measured.drawn);
      completes.push(measured.complete);
      bytesTotal = measured.total;
      plantsDrawn = measured.count;
      bytesBeforeDraw = measured.bytes;
    } finally {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    }
  }
  const best = times.indexOf(Math.min(...times));
  return { drawnMs: times[best]!, allDrawnMs: times, plantsDrawn, bytesBeforeDraw, completeMs: completes[best], bytesTotal };
}

const outcome = async <T>(work: () => Promise<T>): Promise<T | { error: string }> => {
  try {
    return await work();
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
};

export interface MapBenchPlan {
  /** challenge-1's service. */
  url: string;
  workDir: string;
  durationSeconds: number;
  quick: boolean;
  log: (line: string) => void;
}

export async function runMapBench(plan: MapBenchPlan): Promise<MapFigures> {
  const { url, log, durationSeconds } = plan;
  const runs = plan.quick ? 1 : 3;
  log(`map: page load in chromium (${runs} run${runs > 1 ? 's' : ''} each, empty cache)`);
  const allPlants = await outcome(() => pageLoad(`${url}/map?year=2018&top_n=all`, runs));
  const defaultPage = await outcome(() => pageLoad(`${url}/map`, runs));

  log('map: /plants?year=2018 compressed, one connection');
  const raw = await bytesOf(`${url}${ALL_2018}`, {});
  const br = await bytesOf(`${url}${ALL_2018}`, { 'Accept-Encoding': 'br' });
  const gzip = await bytesOf(`${url}${ALL_2018}`, { 'Accept-Encoding': 'gzip' });
  if (br.headers.get('content-encoding') !== 'br' || gzip.headers.get('content-encoding') !== 'gzip') throw new Error('the service did not compress /plants?year=2018');
  const brOneConnection = await sequentialRate(`${url}${ALL_2018}`, durationSeconds, { 'accept-encoding': 'br, gzip' }, 200);

  log('map: 304s against 200s, the original call');
  const original = await bytesOf(`${url}${ORIGINAL_CALL}`, {});
  const etag = original.headers.get('etag') ?? '';
  const connections = 1;
  const ok200 = await load(`${url}${ORIGINAL_CALL}`, connections, durationSeconds, {}, 200);
  const notModified304 = await load(`${url}${ORIGINAL_CALL}`, connections, durationSeconds, { 'if-none-match': etag }, 304);

  log('map: the bare node:http limit beside the service, 32 connections');
  const bare = await startBareServer(plan.workDir, original.body, original.headers.get('content-type') ?? 'application/json');
  let bareLimit: MapFigures['bareLimit'];
  try {
    const bareRate = await load(`${bare.url}${ORIGINAL_CALL}`, 32, durationSeconds, {}, 200);
    const serviceRate = await load(`${url}${ORIGINAL_CALL}`, 32, durationSeconds, {}, 200);
    bareLimit = { bytes: original.body.length, connections: 32, service: serviceRate, bare: bareRate };
  } finally {
    await bare.stop();
  }
  return {
    allPlants,
    defaultPage,
    compression: { rawBytes: raw.body.length, brBytes: br.body.length, gzipBytes: gzip.body.length, brOneConnection },
    revalidation: { ok200, notModified304, connections },
    bareLimit,
  };
}

const kb = (bytes: number): string => `${(bytes / 1024).toFixed(0)} KB`;
const pct = (fraction: number): string => `${(fraction * 100).toFixed(1)}%`;
const isLoad = (value: PageLoad | { error: string } | undefined): value is PageLoad => value !== undefined && !('error' in value);

export function judgeMapTargets(map: MapFigures | undefined): TargetResult[] {
  if (!map) return [{ target: 'map page and HTTP layer (issue 12)', measured: 'not run', verdict: 'NOT MEASURED' }];
  const results: TargetResult[] = [];
  const all = map.allPlants;
  if (isLoad(all)) {
    const complete = all.plantsDrawn === ALL_PLANTS_2018;
    results.push({
      target: `/map: all ${ALL_PLANTS_2018.toLocaleString('en-US')} plants of 2018 drawn in headless chromium < 1.5 s`,
      measured: `${all.drawnMs.toFixed(0)} ms (runs: ${all.allDrawnMs.map((m) => m.toFixed(0)).join(', ')}; ${all.plantsDrawn} drawn)`,
      verdict: complete && all.drawnMs < 1500 ? 'PASS' : 'MISS',
    });
    const first = isLoad(map.defaultPage) ? `; the default page (top 100): ${kb(map.defaultPage.bytesBeforeDraw)}` : '';
    const rest = all.bytesTotal !== undefined ? `; the whole load ${kb(all.bytesTotal)}${all.completeMs !== undefined ? `, complete at ${all.completeMs.toFixed(0)} ms` : ''}` : '';
    results.push({ target: '/map: bytes before the first draw < 350 KB compressed (outlines included), all 2018 plants', measured: `${kb(all.bytesBeforeDraw)}${rest}${first}`, verdict: all.bytesBeforeDraw < 350 * 1024 ? 'PASS' : 'MISS' });
  } else {
    results.push({ target: '/map page load in headless chromium', measured: all ? `failed: ${all.error}` : 'not run', verdict: 'NOT MEASURED' });
  }
  const c = map.compression;
  const ratio = Math.max(c.brBytes, c.gzipBytes) / c.rawBytes;
  results.push({
    target: '/plants?year=2018 compressed ≤ 25% of raw at ≥ 1,000 req/s on one connection',
    measured: `br ${pct(c.brBytes / c.rawBytes)}, gzip ${pct(c.gzipBytes / c.rawBytes)} of ${kb(c.rawBytes)}; ${c.brOneConnection.rps.toFixed(0)} req/s (br, p99 ${c.brOneConnection.p99Ms} ms)`,
    note: 'a node:http keep-alive client, one request after the other (autocannon is the bottleneck on compressed bodies)',
    verdict: ratio <= 0.25 && c.brOneConnection.rps >= 1000 && c.brOneConnection.unexpected === 0 ? 'PASS' : 'MISS',
  });
  const r = map.revalidation;
  results.push({
    target: `304s at least as fast as 200s (original call, ${r.connections} connection)`,
    measured: `304: ${r.notModified304.rps.toFixed(0)} req/s, 200: ${r.ok200.rps.toFixed(0)} req/s`,
    verdict: r.notModified304.rps >= r.ok200.rps * 0.97 && r.notModified304.unexpected === 0 ? 'PASS' : 'MISS',
    note: 'within 3%: two runs of one case differ by that much here',
  });
  const b = map.bareLimit;
  const share = b.service.rps / b.bare.rps;
  results.push({
    target: `original call at ${b.connections} connections: ≥ 40% of a bare node:http server answering the same ${b.bytes} bytes`,
    measured: `${pct(share)} (service ${b.service.rps.toFixed(0)} req/s, p99 ${b.service.p99Ms} ms; bare ${b.bare.rps.toFixed(0)} req/s)`,
    verdict: share >= 0.4 && b.service.unexpected === 0 ? 'PASS' : 'MISS',
  });
  return results;
}
