// The GitHub App under a burst, against the GitHub stand-in and the scripted model (200 ms per call):
// webhook answer times, completion, jobs in flight, the server's peak RSS, and the time for 20 issues
// relative to one. The app runs as `codegen-crew app` in a child process with its default settings.
import { readdir, readFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import { sendDeliveries } from "./delivery-client.js";
import { addRepo, OWNER, labeled, REPO_FILES, shoutAnswer, spawnCli, startWorld, waitFor, type AppWorld, type ChildApp, type LogLine } from "../test/app/app-fixture.js";
import { defaultConcurrency } from "../src/app/settings.js";
import { HAS_REDIS, startRedis } from "../test/app/redis-server.js";

const MODEL_LATENCY_MS = 200;

type Row = (name: string, value: string) => void;

interface Burst {
  acks: number[];
  statuses: number[];
  wallMs: number;
  /** Jobs that completed or failed since the burst began (GET /metrics). */
  completed: number;
}

interface Metrics {
  jobs: { queued: number; running: number; completed: number; failed: number };
}

export default async function appBench(row: Row): Promise<void> {
  row(
    "app: machine",
    `${os.availableParallelism()} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}; default CODEGEN_CONCURRENCY = ${defaultConcurrency()}`,
  );
  await ackFloor(row);
  await fullRuns(row);
  await manyDeliveries(row);
  await scaledOutDeliveries(row);
}

/**
 * What the delivery client (a process of its own, bench/delivery-client.ts) measures against a server that
 * answers at once (no app): the floor under every ack figure below on this machine. The deliveries of a burst
 * open their own connections; the second 200 reuse the first 200's.
 */
export async function ackFloor(row: Row): Promise<void> {
  const server = http.createServer((request, response) => {
    request.resume();
    request.on("end", () => response.writeHead(200).end("ok"));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const payload = { action: "labeled", issue: { number: 1, title: "Add shout", body: "Add a shout(text) helper. ".repeat(100) }, sender: { login: "alice" } };
  const many = (count: number) => Array.from({ length: count }, () => ({ event: "issues", payload }));
  try {
    const [twenty] = await sendDeliveries(url, many(20));
    const [fresh, reused] = await sendDeliveries(url, many(200), 2);
    for (const [label, answers] of [
      ["20 deliveries, new connections", twenty!],
      ["200 deliveries, new connections", fresh!],
      ["200 deliveries again, connections reused", reused!],
    ] as const) {
      row(`app: ack floor (a server that answers at once, the same client process): ${label}: p50 / p99 / max`, percentiles(answers.map((answer) => answer.ms)));
    }
  } finally {
    server.close();
  }
}

/** One issue alone, then 20 issues across 5 repositories delivered at once: full crew runs, one PR each. */
async function fullRuns(row: Row): Promise<void> {
  const world = await startWorld({ respond: slowModel });
  const repos = ["r1", "r2", "r3", "r4", "r5"];
  try {
    for (const repo of [...repos, "solo"]) {
      await addRepo(world, repo);
      for (let n = 1; n <= 4; n++) await addIssue(world, repo, n);
    }
    const app = await startChild(world);
    try {
      const appCpu = await treeCpuSeconds(app.child.pid!);
      const worldCpu = process.cpuUsage();
      const one = await burst(app, world, [["solo", 1]]);
      const appCpuOne = (await treeCpuSeconds(app.child.pid!)) - appCpu;
      const twenty = await burst(
        app,
        world,
        repos.flatMap((repo) => [1, 2, 3, 4].map((n) => [repo, n] as [string, number])),
      );
      const appCpuTwenty = (await treeCpuSeconds(app.child.pid!)) - appCpu - appCpuOne;
      const worldCpuBoth = cpuSeconds(process.cpuUsage(worldCpu));
      const done = finishedJobs(app).slice(one.completed);
      const cores = os.availableParallelism();
      row("app: 1 issue, full run: wall (first delivery → job finished)", `${(one.wallMs / 1000).toFixed(1)} s`);
      row("app: 20 issues across 5 repositories at once: wall", `${(twenty.wallMs / 1000).toFixed(1)} s`);
      row("app: 20 issues ÷ 1 issue (target ≤ 3×)", `${(twenty.wallMs / one.wallMs).toFixed(1)}×`);
      row("app: CPU-seconds per issue, the app and every process it starts: 1 issue alone / each of 20", `${appCpuOne.toFixed(2)} / ${(appCpuTwenty / 20).toFixed(2)}`);
      row("app: CPU-seconds of this bench process (GitHub stand-in, scripted model, client) over 21 issues, per issue", (worldCpuBoth / 21).toFixed(2));
      row(
        `app: CPU floor under 20 ÷ 1 on ${cores} cores (20 issues' CPU ÷ cores ÷ one issue's wall): the app's alone / with the stand-in's`,
        `${(appCpuTwenty / cores / (one.wallMs / 1000)).toFixed(1)}× / ${((appCpuTwenty + (worldCpuBoth * 20) / 21) / cores / (one.wallMs / 1000)).toFixed(1)}×`,
      );
      row("app: 20 deliveries: ack p50 / p99 / max (target p99 ≤ 100 ms)", percentiles(twenty.acks));
      row("app: 20 deliveries: runs finished ready", `${done.filter((line) => line.result === "ready").length}/20`);
      row("app: 20 deliveries: jobs in flight at most / configured", `${mostInFlight(app.lines)} / ${defaultConcurrency()}`);
      row("app: server peak RSS (full runs)", await peakRss(app));
    } finally {
      await stopChild(app);
    }
  } finally {
    await world.close();
  }
}

/**
 * 200 deliveries across 20 repositories at once. 200 full crew runs would take many minutes on 2 cores, so
 * these repositories use another trigger label: every delivery still becomes a job (the webhook cannot know
 * the label before a job has read it), and each job reads the repository's config and ends skipped.
 */
async function manyDeliveries(row: Row): Promise<void> {
  const world = await startWorld({ respond: slowModel });
  const repos = Array.from({ length: 20 }, (_, i) => `many-${i + 1}`);
  try {
    for (const repo of repos) {
      await addRepo(world, repo, { ...REPO_FILES, ".github/codegen-crew.yml": "label: ai-fix\n" });
      for (let n = 1; n <= 10; n++) await addIssue(world, repo, n);
    }
    const app = await startChild(world);
    try {
      const result = await burst(
        app,
        world,
        repos.flatMap((repo) => Array.from({ length: 10 }, (_, i) => [repo, i + 1] as [string, number])),
      );
      const queued = result.completed;
      row("app: 200 deliveries across 20 repositories: ack p50 / p99 / max (target p99 ≤ 100 ms)", percentiles(result.acks));
      row("app: 200 deliveries: answered 2xx", `${result.statuses.filter((status) => status >= 200 && status < 300).length}/200`);
      row("app: 200 deliveries: jobs completed (each ends skipped: label check in the job)", `${queued}/${queued} (0 queued or running at the end)`);
      row("app: 200 deliveries: dropped at the webhook (a job had already read the repository's label)", String(200 - queued));
      row("app: 200 deliveries: wall until every job completed", `${(result.wallMs / 1000).toFixed(1)} s`);
      row("app: server peak RSS (200 deliveries)", await peakRss(app));
    } finally {
      await stopChild(app);
    }
  } finally {
    await world.close();
  }
}

/**
 * The same deliveries in scale-out mode: the webhook process only enqueues into Redis (redis-server, as in
 * test/app/bullmq-app.test.ts) and one `codegen-crew worker` process runs the jobs. 20 at once, then 200.
 */
export async function scaledOutDeliveries(row: Row): Promise<void> {
  const name = "app, BullMQ mode (webhook process + 1 worker process, redis-server)";
  if (!HAS_REDIS) {
    row(`${name}`, "not measured: no redis-server on this machine");
    return;
  }
  const redis = await startRedis();
  const world = await startWorld({ respond: slowModel });
  // Separate repositories for the two bursts: a job that read a repository's label lets the webhook drop
  // later deliveries of another label for it, which would make the second burst cheaper than the first.
  const few = Array.from({ length: 20 }, (_, i) => `scaled-few-${i + 1}`);
  const many = Array.from({ length: 20 }, (_, i) => `scaled-many-${i + 1}`);
  try {
    for (const repo of [...few, ...many]) {
      await addRepo(world, repo, { ...REPO_FILES, ".github/codegen-crew.yml": "label: ai-fix\n" });
      for (let n = 1; n <= (few.includes(repo) ? 1 : 10); n++) await addIssue(world, repo, n);
    }
    const app = await startChild(world, { REDIS_URL: redis.url });
    const worker = spawnCli("worker", { ...world.env, REDIS_URL: redis.url, LOG_LEVEL: "info" }, { bundle: true });
    const finished = () => worker.lines.filter((line) => line.event === "job-finished" || line.event === "job-failed").length;
    try {
      const twenty = await burst(
        app,
        world,
        few.map((repo) => [repo, 1] as [string, number]),
      );
      await waitFor("the worker to finish 20 jobs", () => finished() >= 20, 10 * 60_000);
      row(`${name}: 20 deliveries: ack p50 / p99 / max (target p99 ≤ 100 ms)`, percentiles(twenty.acks));
      const started = performance.now();
      const hundreds = await burst(
        app,
        world,
        many.flatMap((repo) => Array.from({ length: 10 }, (_, i) => [repo, i + 1] as [string, number])),
      );
      // A delivery whose repository's label a job has read meanwhile is dropped at the webhook (not enqueued).
      const enqueued = () => app.lines.filter((line) => /^issues\.labeled → queued /.test(line.msg)).length - 20;
      await waitFor("the worker to finish the enqueued jobs", () => finished() - 20 >= enqueued(), 10 * 60_000);
      row(`${name}: 200 deliveries across 20 repositories: ack p50 / p99 / max (target p99 ≤ 100 ms)`, percentiles(hundreds.acks));
      row(`${name}: 200 deliveries: answered 2xx`, `${hundreds.statuses.filter((status) => status >= 200 && status < 300).length}/200`);
      row(
        `${name}: 200 deliveries: jobs finished by the worker (each ends skipped: label check in the job) / dropped at the webhook`,
        `${finished() - 20}/${enqueued()} / ${200 - enqueued()}`,
      );
      row(`${name}: 200 deliveries: wall until the worker finished them`, `${((performance.now() - started) / 1000).toFixed(1)} s`);
    } finally {
      worker.child.kill("SIGTERM");
      await worker.exited;
      await stopChild(app);
    }
  } finally {
    await world.close();
    await redis.stop();
  }
}

/**
 * An open issue; its label is only in the delivery. Labelled in the stand-in too, the app's startup
 * reconciliation would enqueue every issue before the measured deliveries.
 */
async function addIssue(world: AppWorld, repo: string, number: number): Promise<void> {
  await world.github.addIssue(OWNER, repo, { number, title: `Add shout (${repo} #${number})`, body: "Add a shout(text) helper.", user: "alice" });
}

async function slowModel(request: Parameters<typeof shoutAnswer>[0]) {
  await new Promise((resolve) => setTimeout(resolve, MODEL_LATENCY_MS));
  return shoutAnswer(request);
}

async function startChild(world: AppWorld, extra: Record<string, string> = {}): Promise<ChildApp & { url: string }> {
  // CODEGEN_CONCURRENCY is left to its default: the figure is the default's.
  const env = { ...world.env, LOG_LEVEL: "info", ...extra };
  const app = spawnCli("app", env, { bundle: true });
  const listening = await waitFor("the app to listen", () => app.lines.find((line) => typeof line.url === "string"), 60_000);
  await waitFor("the startup reconcile", () => app.lines.some((line) => /^reconcile: /.test(line.msg)), 60_000);
  return { ...app, url: listening.url as string };
}

async function stopChild(app: ChildApp): Promise<void> {
  app.child.kill("SIGTERM");
  await app.exited;
}

async function metrics(app: { url: string }): Promise<Metrics["jobs"]> {
  return ((await (await fetch(`${app.url}/metrics`)).json()) as Metrics).jobs;
}

/** Sends every delivery at once; resolves when the queue is empty again (the answers come after the enqueue). */
async function burst(app: ChildApp & { url: string }, world: AppWorld, issues: Array<[string, number]>): Promise<Burst> {
  const before = await metrics(app);
  const started = performance.now();
  const [answers] = await sendDeliveries(
    app.url,
    issues.map(([repo, number]) => ({ event: "issues", payload: labeled(world, repo, number) })),
  );
  const after = await waitFor(
    "the jobs",
    async () => {
      // A failed poll (a reset keep-alive connection under load) is asked again.
      const now = await metrics(app).catch(() => undefined);
      return now !== undefined && now.queued === 0 && now.running === 0 && now;
    },
    30 * 60_000,
  );
  const completed = after.completed + after.failed - before.completed - before.failed;
  return { acks: answers!.map((answer) => answer.ms), statuses: answers!.map((answer) => answer.status), wallMs: performance.now() - started, completed };
}

function finishedJobs(app: ChildApp): LogLine[] {
  return app.lines.filter((line) => line.event === "job-finished");
}

function mostInFlight(lines: LogLine[]): number {
  let running = 0;
  let most = 0;
  for (const line of lines) {
    if (/^job started/.test(line.msg)) most = Math.max(most, ++running);
    if (line.event === "job-finished" || line.event === "job-failed") running--;
  }
  return most;
}

function percentiles(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  return `${at(0.5).toFixed(0)} / ${at(0.99).toFixed(0)} / ${sorted.at(-1)!.toFixed(0)} ms`;
}

/**
 * CPU-seconds a process and its live descendants have used, with the children each has reaped (utime,
 * stime, cutime, cstime of /proc/<pid>/stat, in USER_HZ ticks: 100 a second on Linux).
 */
async function treeCpuSeconds(root: number): Promise<number> {
  const processes = new Map<number, { parent: number; ticks: number }>();
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => "");
    // After "pid (comm) ": state, ppid, … utime is the 14th field, cstime the 17th.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (fields.length < 15) continue;
    processes.set(Number(entry), { parent: Number(fields[1]), ticks: fields.slice(11, 15).reduce((sum, field) => sum + Number(field), 0) });
  }
  const inTree = (pid: number): boolean => pid === root || (pid > 1 && processes.has(pid) && inTree(processes.get(pid)!.parent));
  let ticks = 0;
  for (const [pid, info] of processes) if (inTree(pid)) ticks += info.ticks;
  return ticks / 100;
}

function cpuSeconds(usage: NodeJS.CpuUsage): number {
  return (usage.user + usage.system) / 1e6;
}

/** The child's peak resident set (VmHWM), read before it exits. */
async function peakRss(app: ChildApp): Promise<string> {
  const status = await readFile(`/proc/${app.child.pid}/status`, "utf8").catch(() => "");
  const kib = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return Number.isFinite(kib) ? `${(kib / 1024).toFixed(0)} MiB` : "unknown (no /proc)";
}
