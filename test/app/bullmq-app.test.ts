import { afterAll, describe, expect, it, onTestFailed } from "vitest";
import type { RunningApp } from "../../src/app/start-app.js";
import { promptText } from "../crew/crew-fixture.js";
import {
  addLabelledIssue,
  addRepo,
  deliver,
  labeled,
  maxOverlap,
  OWNER,
  spawnCli,
  startTestApp,
  startWorld,
  waitFor,
  type AppWorld,
  type ChildApp,
  type LogLine,
} from "./app-fixture.js";
import { HAS_REDIS, startRedis, type RedisServer } from "./redis-server.js";

let redis: RedisServer | undefined;
let world: AppWorld | undefined;
let app: RunningApp | undefined;
const workers: ChildApp[] = [];
afterAll(async () => {
  for (const worker of workers) worker.child.kill("SIGKILL");
  await app?.close(2_000);
  await world?.close();
  await redis?.stop();
});

// Six repositories, as in the in-process burst test (each job is a whole crew run); "foxtrot" is kept for the Redis-down part.
const REPOS = ["alpha", "bravo", "charlie", "delta", "echo", "golf"];
const DELIVERIES_PER_ISSUE = 5;
const finishedLines = () => workers.flatMap((worker) => worker.lines.filter((line) => line.event === "job-finished"));

describe.skipIf(!HAS_REDIS)("the GitHub App in scale-out mode: BullMQ on redis-server, two worker processes", () => {
  it("runs a burst through two workers with nothing lost or doubled; with Redis down the webhook answers 503 and the issue is picked up once Redis is back", async () => {
    onTestFailed(() => {
      for (const [index, worker] of workers.entries()) console.log(`worker ${index}:\n${[...worker.text, ...worker.lines.map((line) => `${line.time} ${line.msg}`)].join("\n")}`);
    });
    redis = await startRedis();
    world = await startWorld();
    for (const repo of REPOS) {
      await addRepo(world, repo);
      await addLabelledIssue(world, repo, 1);
    }
    // The queue is the point here, not the isolation (test/checks/sandbox.test.ts proves that): the cheapest tier.
    const env = { ...world.env, REDIS_URL: redis.url, CODEGEN_CONCURRENCY: "1", LOG_LEVEL: "info", CODEGEN_SANDBOX_MAX_TIER: "weak", CODEGEN_ALLOW_WEAK_SANDBOX: "true" };
    const started = await startTestApp(world, { REDIS_URL: redis.url });
    onTestFailed(() =>
      console.log(
        `app:\n${started.lines
          .filter((line) => !/^GitHub request/.test(line.msg))
          .map((line) => `${line.time} ${line.msg}`)
          .join("\n")}`,
      ),
    );
    app = started.app;
    // The startup reconciliation already queued the labelled issues: the deliveries below find their jobs.
    await waitFor("the startup reconciliation", () => started.lines.some((line) => line.reconcile !== undefined), 10_000);
    expect(started.lines.filter((line) => line.enqueue === "queued")).toHaveLength(REPOS.length);

    const deliveries = await Promise.all(REPOS.flatMap((repo) => Array.from({ length: DELIVERIES_PER_ISSUE }, () => deliver(app!.url, "issues", labeled(world!, repo, 1)))));
    expect(deliveries.map((delivery) => delivery.status)).toEqual(Array(REPOS.length * DELIVERIES_PER_ISSUE).fill(200));
    expect(started.lines.filter((line) => line.enqueue === "already-active")).toHaveLength(REPOS.length * DELIVERIES_PER_ISSUE);

    workers.push(spawnCli("worker", env), spawnCli("worker", env));
    await waitFor("every job to finish", () => finishedLines().length === REPOS.length, 150_000);

    for (const repo of REPOS) expect(world.github.pullRequests(OWNER, repo).map((pr) => pr.pullRequest!.headRef)).toEqual(["codegen-crew/issue-1"]);
    const lines = finishedLines();
    expect(new Set(lines.map((line) => line.jobId)).size).toBe(REPOS.length);
    expect(lines.map((line) => line.result)).toEqual(Array(REPOS.length).fill("ready"));
    // Both processes took work (each runs one job at a time, so neither could take them all while the other idled).
    for (const worker of workers) expect(worker.lines.filter((line) => line.event === "job-finished").length).toBeGreaterThan(0);
    const spans = REPOS.map((repo) => {
      const requests = world!.model.requests.filter((request) => promptText(request.body).includes(`(${repo} #1)`));
      return { start: Math.min(...requests.map((r) => r.startedAt)), end: Math.max(...requests.map((r) => r.endedAt ?? Date.now())) };
    });
    expect(maxOverlap(spans)).toBeLessThanOrEqual(2);
    expect(await app.queue.counts()).toEqual({ queued: 0, running: 0, completed: REPOS.length, failed: 0 });

    // Redis goes away: the delivery is refused with 503 (GitHub keeps it as failed and redeliverable), /ready says so.
    await addRepo(world, "foxtrot");
    await addLabelledIssue(world, "foxtrot", 1);
    await redis.stop();
    const payload = labeled(world, "foxtrot", 1);
    const refused = await waitFor("a 503", async () => {
      const delivery = await deliver(app!.url, "issues", payload, { deliveryId: "foxtrot-1" });
      return delivery.status === 503 ? delivery : undefined;
    });
    expect(refused.body).toMatch(/Redis/);
    expect((await fetch(`${app.url}/ready`)).status).toBe(503);
    expect((await fetch(`${app.url}/health`)).status).toBe(200);

    await redis.start();
    await waitFor("the app to be ready again", async () => (await fetch(`${app!.url}/ready`)).status === 200, 15_000);
    // Nobody redelivers: the app reconciles as soon as Redis is back, and the labelled issue is not lost.
    await waitFor("the refused issue's job to finish", () => finishedLines().some((line: LogLine) => line.repo === `${OWNER}/foxtrot`), 60_000);
    expect(started.lines.some((line) => line.repo === `${OWNER}/foxtrot` && line.enqueue === "queued" && /^reconcile/.test(line.msg))).toBe(true);
    expect(world.github.pullRequests(OWNER, "foxtrot")).toHaveLength(1);
    expect(world.github.violations).toEqual([]);
  }, 180_000);
});
