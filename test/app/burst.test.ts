import { afterAll, describe, expect, it } from "vitest";
import type { QueueEvent } from "../../src/app/queue-events.js";
import type { RunningApp } from "../../src/app/start-app.js";
import { promptText } from "../crew/crew-fixture.js";
import { addLabelledIssue, addRepo, deliver, labeled, maxOverlap, OWNER, startTestApp, startWorld, waitFor, type AppWorld, type Delivery } from "./app-fixture.js";

let world: AppWorld | undefined;
let app: RunningApp | undefined;
afterAll(async () => {
  await app?.close(5_000);
  await world?.close();
});

// Six repositories: three jobs for each of the two slots, enough to see turns taken; each job is a whole crew run.
const REPOS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot"];
const ISSUES = [1];
/** Each issue is delivered this often: GitHub redeliveries (same delivery id) and repeated label events (new ids). */
const DELIVERIES_PER_ISSUE = 5;
const DELIVERIES = REPOS.length * ISSUES.length * DELIVERIES_PER_ISSUE;

describe("a burst of deliveries (in-process queue, CODEGEN_CONCURRENCY=2)", () => {
  it("acknowledges 30 deliveries across 6 repositories at once, runs at most 2 jobs at a time, and loses none", { timeout: 180_000 }, async () => {
    world = await startWorld();
    for (const repo of REPOS) {
      await addRepo(world, repo);
      for (const number of ISSUES) await addLabelledIssue(world, repo, number);
    }
    // The queue is the point here, not the isolation (test/checks/sandbox.test.ts proves that): the cheapest tier.
    ({ app } = await startTestApp(world, { CODEGEN_CONCURRENCY: "2", CODEGEN_SANDBOX_MAX_TIER: "weak", CODEGEN_ALLOW_WEAK_SANDBOX: "true" }));
    const events: QueueEvent[] = [];
    let running = 0;
    let mostRunning = 0;
    app.jobEvents!.subscribe((event) => {
      events.push(event);
      if (event.type === "started") mostRunning = Math.max(mostRunning, ++running);
      if (event.type === "finished" || event.type === "failed") running--;
    });

    // Each issue is delivered five times: twice with one delivery id (GitHub's redelivery), three times as new
    // label events; all thirty at once.
    const sends: Array<Promise<Delivery>> = [];
    for (const repo of REPOS) {
      for (const number of ISSUES) {
        const payload = labeled(world, repo, number);
        const deliveryId = `burst-${repo}-${number}`;
        for (let i = 0; i < DELIVERIES_PER_ISSUE; i++) sends.push(deliver(app.url, "issues", payload, i < 2 ? { deliveryId } : {}));
      }
    }
    expect(sends).toHaveLength(DELIVERIES);
    const answers = await Promise.all(sends);
    const countsAtAck = await app.queue.counts();

    expect(answers.map((answer) => answer.status)).toEqual(Array(DELIVERIES).fill(200));
    // The webhooks did not wait for the runs: when the last one was answered, jobs were still waiting their turn.
    expect(countsAtAck.queued).toBeGreaterThan(0);

    const jobs = REPOS.length * ISSUES.length;
    await waitFor("every job to finish", () => events.filter((event) => event.type === "finished").length === jobs, 150_000);
    expect(events.filter((event) => event.type === "started")).toHaveLength(jobs);
    expect(mostRunning).toBe(2);
    for (const event of events) if (event.type === "finished") expect(event.outcome.result).toBe("ready");

    // Nothing lost: one PR per issue, from its own branch.
    for (const repo of REPOS) {
      const heads = world.github
        .pullRequests(OWNER, repo)
        .map((pr) => pr.pullRequest!.headRef)
        .sort();
      expect(heads).toEqual(ISSUES.map((number) => `codegen-crew/issue-${number}`));
    }

    // Seen from the model: the calls of each job (its issue title is in every prompt) never overlap more than 2 jobs.
    const spans = REPOS.flatMap((repo) =>
      ISSUES.map((number) => {
        const requests = world!.model.requests.filter((request) => promptText(request.body).includes(`(${repo} #${number})`));
        expect(requests.length).toBeGreaterThan(0);
        return { start: Math.min(...requests.map((r) => r.startedAt)), end: Math.max(...requests.map((r) => r.endedAt ?? Date.now())) };
      }),
    );
    expect(maxOverlap(spans)).toBeLessThanOrEqual(2);
    expect(world.github.violations).toEqual([]);
  });
});
