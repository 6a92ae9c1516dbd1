// The critical path of a happy Action run (issue 9): the real bundle (dist/index.js, `npm run build` first)
// against the GitHub stand-in, the scripted model answering each call after a fixed latency. Two latencies
// give a line: wall = intercept + slope × latency, where the slope is the number of model calls on the
// critical path and the intercept is everything else (start-up, clone, checks, GitHub writes).
import os from "node:os";
import { SAMPLE_FILES } from "../src/demo/sample-repo.js";
import type { ReceivedRequest } from "../src/demo/chat-completions-server.js";
import { labeledEvent, runAction, startWorld } from "../test/action/action-fixture.js";
import type { RecordedRequest } from "../test/support/github/api-endpoint.js";
import { scriptHelperStory } from "../test/reliability/issue-world.js";
import { maxOverlap } from "../test/support/max-overlap.js";
import { cpuTree } from "./cpu-tree.js";

const LOW_MS = 300;
const HIGH_MS = 1_500;
const RUNS = 5;
const ROLES = ["architect", "developer", "tester", "reviewer", "documenter", "summarizer"];

interface Measured {
  wallMs: number;
  calls: number;
  inFlight: number;
  /** From the push to the last API write (PR, label, stats comment, final status edit, lock release). */
  publishMs: number;
  /** From the first API write (the run lock) to the status comment's creation. */
  acknowledgeMs: number;
}

/** One happy run of the Action on a fresh stand-in; every model call answers after `latencyMs`. */
async function happyRun(latencyMs: number, config: string | undefined): Promise<Measured> {
  const world = await startWorld();
  try {
    if (config) await world.github.commitFiles("octo", "text-tools", "main", { ".github/codegen-crew.yml": config }, "bench config");
    const wait = () => new Promise<void>((resolve) => setTimeout(resolve, latencyMs));
    scriptHelperStory(world.model, SAMPLE_FILES["src/strings.js"]!, "shout", Object.fromEntries(ROLES.map((role) => [role, wait])));
    const started = performance.now();
    const run = await runAction(world, labeledEvent(world));
    const wallMs = performance.now() - started;
    if (run.code !== 0 || run.outputs.result !== "ready") throw new Error(`the benchmark's happy run did not end ready (${run.outputs.result}):\n${run.stdout.slice(-2000)}`);
    return { wallMs, calls: world.model.requests.length, inFlight: mostInFlight(world.model.requests), ...githubShare(world.github.requests) };
  } finally {
    await world.close();
  }
}

/** GitHub's share of the run's wall time, from the stand-in's request log. */
function githubShare(requests: RecordedRequest[]): Pick<Measured, "publishMs" | "acknowledgeMs"> {
  const writes = requests.filter((r) => r.kind !== "git" && r.method !== "GET");
  const push = requests.find((r) => r.kind === "git" && r.query.service === "git-receive-pack");
  const status = writes.find((r) => r.method === "POST" && /\/issues\/1\/comments$/.test(r.path));
  const at = (r: RecordedRequest | undefined) => r?.receivedAt ?? Number.NaN;
  return { publishMs: at(writes.at(-1)) - at(push), acknowledgeMs: at(status) - at(writes[0]) };
}

function mostInFlight(requests: ReceivedRequest[]): number {
  return maxOverlap(requests.map((r) => ({ start: r.startedAt, end: r.endedAt ?? r.startedAt })));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * `config`: the repository's .github/codegen-crew.yml, when the run should not use the defaults. With
 * BENCH_CRITICAL_PATH_NO_RPM=1 a second series runs with the model's request spacing out of the way
 * (requests_per_minute: 60000), to show the publishing overhead alone.
 */
async function series(row: (name: string, value: string) => void, label: string, config: string | undefined): Promise<void> {
  const at: Record<number, Measured[]> = { [LOW_MS]: [], [HIGH_MS]: [] };
  const loads: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    for (const latency of [LOW_MS, HIGH_MS]) {
      at[latency]!.push(await happyRun(latency, config));
      loads.push(os.loadavg()[0]!);
    }
  }
  const low = median(at[LOW_MS]!.map((m) => m.wallMs));
  const high = median(at[HIGH_MS]!.map((m) => m.wallMs));
  const slope = (high - low) / (HIGH_MS - LOW_MS);
  const intercept = low - slope * LOW_MS;
  const name = `critical path, Action bundle, happy run${label}`;
  row(`${name}: wall at ${LOW_MS} ms / ${HIGH_MS} ms per model call (median of ${RUNS})`, `${(low / 1000).toFixed(1)} s / ${(high / 1000).toFixed(1)} s`);
  row(`${name}: model calls on the critical path (slope; target 4)`, slope.toFixed(2));
  row(`${name}: fixed overhead (intercept; target ≤ 3 s)`, `${(intercept / 1000).toFixed(2)} s`);
  const all = [...at[LOW_MS]!, ...at[HIGH_MS]!];
  row(`${name}: GitHub's share — push to last write (PR, label, stats, final status, lock release), median`, `${(median(all.map((m) => m.publishMs)) / 1000).toFixed(2)} s`);
  row(`${name}: GitHub's share — run lock to status comment (reaction alongside), median`, `${(median(all.map((m) => m.acknowledgeMs)) / 1000).toFixed(2)} s`);
  // Wall time on a shared machine is only as good as its idleness: say how busy it was.
  row(`${name}: 1-minute load average after each run (${os.cpus().length} cores)`, loads.map((l) => l.toFixed(1)).join(", "));
  row(`${name}: model calls made / in flight at most`, `${at[LOW_MS]![0]!.calls} / ${Math.max(...[...at[LOW_MS]!, ...at[HIGH_MS]!].map((m) => m.inFlight))}`);
}

/** The phases of the run's gantt chart (the step summary's Timeline: `name :done, startMs, endMs`). */
function ganttSpans(summary: string): Map<string, { start: number; end: number }> {
  const spans = new Map<string, { start: number; end: number }>();
  for (const match of summary.matchAll(/^\s+(.+?) :done, (\d+), (\d+)$/gm)) spans.set(match[1]!, { start: Number(match[2]), end: Number(match[3]) });
  return spans;
}

/**
 * Where the fixed overhead goes: one happy run with an instant model, cut at moments both sides record on
 * the same clock (the stand-in's arrival times, the run's own phase timeline).
 */
export async function breakdown(row: (name: string, value: string) => void): Promise<void> {
  const parts: Record<string, number[]> = {};
  const add = (name: string, ms: number) => (parts[name] ??= []).push(ms);
  const cpu = await cpuTree();
  const cpuMs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const world = await startWorld();
    try {
      scriptHelperStory(world.model, SAMPLE_FILES["src/strings.js"]!, "shout", {});
      const spawned = Date.now();
      const run = await runAction(world, labeledEvent(world), {}, cpu ? { node: cpu.node, env: cpu.env } : {});
      const exited = Date.now();
      if (cpu) cpuMs.push(await cpu.lastMs());
      if (run.outputs.result !== "ready") throw new Error(`the breakdown's happy run did not end ready (${run.outputs.result})`);
      const phases = ganttSpans(run.summary);
      const requests = world.github.requests;
      const first = requests[0]!.receivedAt!;
      const lastWrite = requests.filter((r) => r.kind !== "git" && r.method !== "GET").at(-1)!.receivedAt!;
      const crewStart = Math.min(...[...phases.values()].map((p) => p.start));
      const crewEnd = Math.max(...[...phases.values()].map((p) => p.end));
      const span = (name: string) => (phases.get(name) ? phases.get(name)!.end - phases.get(name)!.start : 0);
      add("total", exited - spawned);
      add("node start, bundle load, inputs → first request (the clone)", first - spawned);
      add("first request → the crew starts (clone ∥ sandbox self-test; issue, permission, run lock, 👀 + status comment; fetch; PR lookup)", crewStart - first);
      add("the crew, model instant", crewEnd - crewStart);
      add("  of which repository context (before the architect)", span("repository context"));
      add("  of which static checks (syntax of the developer's files, beside the parallel phase)", span("static checks"));
      add("  of which round-0 checks (syntax of the rest ∥ npm test; a new test file runs alone only when the output cannot vouch for it)", span("checks"));
      add("the crew's end → last GitHub write (push, PR, label, stats comment, final status, lock release)", lastWrite - crewEnd);
      add("last write → the process exits", exited - lastWrite);
    } finally {
      await world.close();
    }
  }
  await cpu?.close();
  const name = `critical path breakdown, model instant (median of ${RUNS})`;
  for (const [part, values] of Object.entries(parts)) row(`${name}: ${part}`, `${(median(values) / 1000).toFixed(2)} s`);
  if (cpuMs.length) {
    const cores = os.availableParallelism();
    const perRun = median(cpuMs);
    row(`${name}: CPU time of the run — the Action and every process it starts (git, sandbox, node, tests)`, `${(perRun / 1000).toFixed(2)} s`);
    // Twenty such runs need 20 × that CPU; on this machine's cores they cannot end sooner than that ÷ cores.
    row(
      `${name}: CPU floor under "20 issues ÷ 1" on ${cores} cores (20 × CPU per run ÷ cores ÷ one run's wall)`,
      `${((20 * perRun) / cores / median(parts["total"]!)).toFixed(1)}×`,
    );
  }
}

export async function criticalPath(row: (name: string, value: string) => void): Promise<void> {
  await series(row, " (default config, default sandbox tier)", undefined);
  await breakdown(row);
  if (process.env.BENCH_CRITICAL_PATH_NO_RPM === "1") await series(row, " (requests_per_minute: 60000)", "requests_per_minute: 60000\n");
}
