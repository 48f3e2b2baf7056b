/**
 * The API benchmark: every route case at each connection count and the target cases, against the
 * project's services and then the reference's, case by case (so both sides of a ratio are measured
 * close together in time on this shared machine). Each answer is checked once before loading.
 */
import { REFERENCE_SINGLE_REQUEST, ROUTE_CASES, TARGET_LOADS, type ApiCase, type ServiceKind } from './cases';
import { waitUntilIdle } from './cpu-time';
import { answerProblem, fetchAnswer, runLoad, type LoadFigures } from './load';

/** A service's base URL and the processes that do its work (itself, and its store where it has one). */
export interface Endpoint {
  url: string;
  pids: number[];
}

export interface ApiTargets {
  ours: Record<ServiceKind, Endpoint>;
  /** The reference; undefined when it is not run. */
  reference?: Record<ServiceKind, Endpoint>;
  /** Every process of the run: each case starts once they are all idle. */
  allPids: number[];
}

export interface ApiPlan {
  connections: number[];
  durationSeconds: number;
  /** Send the reference's ~100 s requests (the 500-row frame). */
  referenceSlowRequests: boolean;
  log: (line: string) => void;
}

/** One side (ours or the reference) of one case at one connection count. */
export type SideResult = { load: LoadFigures } | { single: { ms: number } } | { skipped: string } | { failed: string };

export interface CaseResult {
  caseId: string;
  label: string;
  connections: number;
  /** Counted in the target table only. */
  target: boolean;
  ours: SideResult;
  reference: SideResult;
}

const OUR_TIMEOUT_S = 30;
const REFERENCE_TIMEOUT_S = 120;
const SLOW_REQUEST_TIMEOUT_MS = 15 * 60_000;
const WARMUP_SECONDS = 1;

interface Side {
  name: string;
  endpoint: Endpoint;
  timeoutS: number;
  /** Processes to wait on before each run. */
  allPids: number[];
}

async function checked(side: Side, apiCase: ApiCase, path: string): Promise<string | undefined> {
  try {
    const problem = answerProblem(await fetchAnswer(side.endpoint.url + path, side.timeoutS * 1000), apiCase);
    return problem && `${side.name} answers ${path} wrongly: ${problem}`;
  } catch (err) {
    return `${side.name} did not answer ${path}: ${err instanceof Error ? err.message : String(err)}`;
  }
}

async function loadSide(side: Side, apiCase: ApiCase, path: string, connections: number[], plan: ApiPlan, warmup: boolean): Promise<SideResult[]> {
  const problem = await checked(side, apiCase, path);
  if (problem) {
    plan.log(`  ${problem}`);
    return connections.map(() => ({ failed: problem }));
  }
  const url = side.endpoint.url + path;
  if (warmup) await runLoad(url, Math.min(16, Math.max(...connections)), WARMUP_SECONDS, side.timeoutS);
  const results: SideResult[] = [];
  for (const c of connections) {
    await waitUntilIdle(side.allPids);
    const load = await runLoad(url, c, plan.durationSeconds, side.timeoutS, side.endpoint.pids);
    const cpu = load.serverCpuMsPerRequest === undefined ? '' : `  server CPU ${load.serverCpuMsPerRequest.toFixed(2)} ms/req`;
    plan.log(`  ${side.name.padEnd(9)} ${apiCase.label.padEnd(28)} c=${String(c).padStart(2)}  ${load.rps.toFixed(1).padStart(8)} req/s  p50 ${load.p50Ms} ms  p99 ${load.p99Ms} ms${cpu}${load.non2xx || load.errors ? `  (${load.non2xx} non-2xx, ${load.errors} errors)` : ''}`);
    results.push({ load });
  }
  return results;
}

async function referenceSide(targets: ApiTargets, apiCase: ApiCase, connections: number[], plan: ApiPlan): Promise<SideResult[]> {
  const reference = targets.reference?.[apiCase.service];
  if (!reference) return connections.map(() => ({ skipped: 'not run' }));
  if (apiCase.referencePath === null) return connections.map(() => ({ skipped: 'the reference has no such route' }));
  const side: Side = { name: 'reference', endpoint: reference, timeoutS: REFERENCE_TIMEOUT_S, allPids: targets.allPids };
  if (!REFERENCE_SINGLE_REQUEST.has(apiCase.id)) return loadSide(side, apiCase, apiCase.referencePath, connections, plan, false);
  if (!plan.referenceSlowRequests) return connections.map(() => ({ skipped: 'one ~100 s request, left out of a --quick run' }));
  plan.log(`  reference ${apiCase.label}: one request with a long timeout (too slow for a load run)`);
  try {
    await waitUntilIdle(targets.allPids);
    const answer = await fetchAnswer(reference.url + apiCase.referencePath, SLOW_REQUEST_TIMEOUT_MS);
    const problem = answerProblem(answer, apiCase);
    if (problem) return connections.map(() => ({ failed: `reference answers wrongly: ${problem}` }));
    plan.log(`  reference ${apiCase.label}: ${(answer.ms / 1000).toFixed(1)} s`);
    // One sequential request: its latency stands for the 1-connection case.
    return connections.map((c) => (c === 1 ? { single: { ms: answer.ms } } : { skipped: 'one request only' }));
  } catch (err) {
    const why = `reference request failed: ${err instanceof Error ? err.message : String(err)}`;
    return connections.map(() => ({ failed: why }));
  }
}

export async function runApiBench(targets: ApiTargets, plan: ApiPlan): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  const cases = [...ROUTE_CASES.map((c) => ({ apiCase: c, connections: plan.connections, target: false })), ...TARGET_LOADS.map((t) => ({ apiCase: t.case, connections: [t.connections], target: true }))];
  for (const { apiCase, connections, target } of cases) {
    plan.log(`${apiCase.label}${target ? ' (target case)' : ''}`);
    const ours = await loadSide({ name: 'ours', endpoint: targets.ours[apiCase.service], timeoutS: OUR_TIMEOUT_S, allPids: targets.allPids }, apiCase, apiCase.path, connections, plan, true);
    const reference = await referenceSide(targets, apiCase, connections, plan);
    connections.forEach((c, i) => results.push({ caseId: apiCase.id, label: apiCase.label, connections: c, target, ours: ours[i]!, reference: reference[i]! }));
  }
  return results;
}
