import { readdir } from "node:fs/promises";
import { afterEach, describe, expect, it } from "vitest";
import type { RunningApp } from "../../src/app/start-app.js";
import type { QueueEvent } from "../../src/app/queue-events.js";
import { STATS_MARKER } from "../../src/core/issue/stats-comment.js";
import { STATUS_MARKER } from "../../src/core/issue/status-comment.js";
import { SAMPLE_FILES } from "../../src/demo/sample-repo.js";
import { issuesLabeledPayload } from "../support/webhook-payloads.js";
import {
  addLabelledIssue,
  addRepo,
  API_KEY,
  deliver,
  labeled,
  OWNER,
  REPO_FILES,
  sign,
  startTestApp,
  startWorld,
  unlabeled,
  waitFor,
  WEBHOOK_SECRET,
  type AppWorld,
  type LogLine,
} from "./app-fixture.js";

let world: AppWorld | undefined;
let app: RunningApp | undefined;
afterEach(async () => {
  await app?.close(5_000);
  await world?.close();
  app = undefined;
  world = undefined;
});

function recordEvents(running: RunningApp): QueueEvent[] {
  const events: QueueEvent[] = [];
  running.jobEvents!.subscribe((event) => events.push(event));
  return events;
}

const finished = (events: QueueEvent[]) => events.filter((event) => event.type === "finished");

describe("the GitHub App (in-process queue)", () => {
  it("turns a signed issues.labeled delivery into one PR, acknowledged before the run, logged with its ids", async () => {
    world = await startWorld();
    await addRepo(world, "text-tools");
    await addLabelledIssue(world, "text-tools", 1);
    const started = await startTestApp(world);
    app = started.app;
    const events = recordEvents(app);

    const delivery = await deliver(app.url, "issues", labeled(world, "text-tools", 1));

    expect(delivery.status).toBe(200);
    // Acknowledged before any work: no model call had been answered when GitHub got its 200.
    expect(world.model.requests.filter((request) => request.endedAt !== undefined)).toHaveLength(0);
    await waitFor("the job to finish", () => finished(events)[0]);
    const outcome = (finished(events)[0] as Extract<QueueEvent, { type: "finished" }>).outcome;
    expect(outcome.result).toBe("ready");

    const prs = world.github.pullRequests(OWNER, "text-tools");
    expect(prs).toHaveLength(1);
    expect(prs[0]!.pullRequest!.headRef).toBe("codegen-crew/issue-1");
    expect(prs[0]!.title).toBe("Add shout(text)");
    expect(prs[0]!.user).toBe("codegen-crew[bot]");
    expect(await world.github.readFile(OWNER, "text-tools", "codegen-crew/issue-1", "test/shout.test.js")).toContain("shout");
    const status = world.github.comments(OWNER, "text-tools", 1).filter((comment) => comment.body.includes(STATUS_MARKER));
    expect(status).toHaveLength(1);
    expect(status[0]!.body).toMatch(/state=ready/);
    expect(world.github.comments(OWNER, "text-tools", prs[0]!.number).filter((comment) => comment.body.includes(STATS_MARKER))).toHaveLength(1);
    // It acted as the installation: a token minted with the app's JWT, used for the API and for git.
    expect(world.github.mintedTokens.map((token) => token.installationId)).toContain(4242);
    expect(world.github.requests.some((request) => request.kind === "git" && request.path.endsWith("/git-receive-pack"))).toBe(true);
    expect(world.github.violations).toEqual([]);

    const line = started.lines.find((entry) => entry.event === "job-finished") as LogLine;
    expect(line).toMatchObject({
      deliveryId: delivery.deliveryId,
      repo: `${OWNER}/text-tools`,
      issue: 1,
      result: "ready",
      pullRequest: expect.stringMatching(new RegExp(`/pull/${prs[0]!.number}$`)),
    });
    expect(line.jobId).toEqual(expect.any(String));
    expect(line.tokens).toBeGreaterThan(0);
    expect(line.durationMs).toBeGreaterThan(0);
    // Every line about the job carries the job id, delivery, repository and issue.
    const jobLines = started.lines.filter((entry) => entry.jobId === line.jobId);
    expect(jobLines.length).toBeGreaterThan(2);
    for (const entry of jobLines) expect(entry).toMatchObject({ deliveryId: delivery.deliveryId, repo: `${OWNER}/text-tools`, issue: 1 });
    const everything = JSON.stringify(started.lines);
    expect(everything).not.toContain(API_KEY);
    expect(everything).not.toContain(WEBHOOK_SECRET);
    for (const token of world.github.mintedTokens) expect(everything).not.toContain(token.token);
  });

  it("rejects a delivery with a bad signature: 400, no job, no GitHub write", async () => {
    world = await startWorld();
    await addRepo(world, "text-tools");
    await addLabelledIssue(world, "text-tools", 1);
    const payload = labeled(world, "text-tools", 1);
    // Not labelled on GitHub's side: the startup reconciliation must find nothing unfinished, so any job here
    // could only come from the forged deliveries.
    world.github.unlabelIssue(OWNER, "text-tools", 1, "codegen", "alice");
    ({ app } = await startTestApp(world));
    await app.reconcile();
    const events = recordEvents(app);

    const forged = await deliver(app.url, "issues", payload, { signature: sign(JSON.stringify(payload), "not-the-secret") });
    const unsigned = await deliver(app.url, "issues", payload, { signature: "sha256=" });

    expect(forged.status).toBe(400);
    expect(forged.body).toMatch(/signature does not match/);
    expect(unsigned.status).toBe(400);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(events).toEqual([]);
    expect(world.model.requests).toHaveLength(0);
    expect(world.github.requests.filter((request) => request.method !== "GET" && request.path.startsWith("/repos/"))).toEqual([]);
  });

  it("answers /health, /ready and /metrics, and 404 elsewhere", async () => {
    world = await startWorld();
    ({ app } = await startTestApp(world));
    const get = async (path: string) => {
      const response = await fetch(`${app!.url}${path}`);
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    expect(await get("/health")).toEqual({ status: 200, body: { status: "ok" } });
    expect(await get("/ready")).toEqual({ status: 200, body: { status: "ready", queue: "memory" } });
    expect(await get("/metrics")).toEqual({ status: 200, body: { queue: "memory", jobs: { queued: 0, running: 0, completed: 0, failed: 0 } } });
    expect((await get("/nope")).status).toBe(404);
  });

  it("runs one job for a delivery sent twice and for the same issue labelled again while queued; a relabel after it finished updates the same PR", async () => {
    world = await startWorld();
    await addRepo(world, "text-tools");
    await addLabelledIssue(world, "text-tools", 1);
    const started = await startTestApp(world);
    app = started.app;
    const events = recordEvents(app);
    const payload = labeled(world, "text-tools", 1);

    const first = await deliver(app.url, "issues", payload);
    const redelivered = await deliver(app.url, "issues", payload, { deliveryId: first.deliveryId });
    const again = await deliver(app.url, "issues", payload);

    expect([first.status, redelivered.status, again.status]).toEqual([200, 200, 200]);
    await waitFor("the job to finish", () => finished(events).length === 1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(events.filter((event) => event.type === "started")).toHaveLength(1);
    expect(started.lines.filter((line) => line.enqueue).map((line) => [line.deliveryId, line.enqueue])).toEqual([
      [first.deliveryId, "queued"],
      [first.deliveryId, "duplicate-delivery"],
      [again.deliveryId, "already-active"],
    ]);
    const [pr] = world.github.pullRequests(OWNER, "text-tools");
    expect(pr).toBeDefined();

    const relabel = await deliver(app.url, "issues", labeled(world, "text-tools", 1));
    expect(relabel.status).toBe(200);
    await waitFor("the second job to finish", () => finished(events).length === 2);
    expect(world.github.pullRequests(OWNER, "text-tools").map((p) => p.number)).toEqual([pr!.number]);
    expect(world.github.comments(OWNER, "text-tools", 1).filter((comment) => comment.body.includes(STATUS_MARKER))).toHaveLength(1);
    expect(world.github.violations).toEqual([]);
  });

  it("answers a sender without write access with a polite comment and no model call", async () => {
    world = await startWorld();
    await addRepo(world, "text-tools");
    await addLabelledIssue(world, "text-tools", 1, { sender: "mallory" });
    ({ app } = await startTestApp(world));
    const events = recordEvents(app);

    expect((await deliver(app.url, "issues", labeled(world, "text-tools", 1, { sender: "mallory" }))).status).toBe(200);

    const done = (await waitFor("the job to finish", () => finished(events)[0])) as Extract<QueueEvent, { type: "finished" }>;
    expect(done.outcome.result).toBe("skipped");
    expect(world.model.requests).toHaveLength(0);
    const comments = world.github.comments(OWNER, "text-tools", 1);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toMatch(/@mallory: codegen-crew only acts for people with write access/);
    expect(world.github.pullRequests(OWNER, "text-tools")).toEqual([]);
  });

  it("triggers on the repository's configured label, or the organisation's .github default, and ignores others", async () => {
    world = await startWorld();
    await addRepo(world, "own-config", { ...REPO_FILES, ".github/codegen-crew.yml": "label: ai-fix\n" });
    await addRepo(world, "org-default", SAMPLE_FILES);
    await world.github.addRepo(OWNER, ".github", { files: { ".github/codegen-crew.yml": "label: org-bot\n" } });
    for (const repo of ["own-config", "org-default"]) await world.github.addIssue(OWNER, repo, { number: 1, title: "Something", user: "mallory" });
    const started = await startTestApp(world);
    app = started.app;
    const events = recordEvents(app);

    // mallory lacks write access, so every run that does start ends quickly with a comment: enough to see which labels trigger.
    const send = (repo: string, label: string) => deliver(app!.url, "issues", labeled(world!, repo, 1, { label, sender: "mallory" }));
    const outcomes = () => finished(events).map((event) => [event.job.repo, (event as Extract<QueueEvent, { type: "finished" }>).outcome.message]);
    // The webhook does not know the labels yet (it asks GitHub nothing): the jobs read them, and end skipped without a word.
    const ignored = [await send("own-config", "codegen"), await send("org-default", "codegen")];
    await waitFor("two jobs", () => finished(events).length === 2);
    expect(outcomes().sort()).toEqual([
      ["org-default", 'the label "codegen" is not the trigger label "org-bot"'],
      ["own-config", 'the label "codegen" is not the trigger label "ai-fix"'],
    ]);
    expect(world.github.comments(OWNER, "own-config", 1)).toEqual([]);
    expect(world.github.comments(OWNER, "org-default", 1)).toEqual([]);

    const triggering = [await send("own-config", "AI-Fix"), await send("org-default", "org-bot")];
    // Now the webhook knows them: another "codegen" is dropped before it becomes a job.
    const dropped = await send("own-config", "codegen");
    expect([...ignored, ...triggering, dropped].map((delivery) => delivery.status)).toEqual([200, 200, 200, 200, 200]);
    await waitFor("two more jobs", () => finished(events).length === 4);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(started.lines.filter((line) => line.enqueue === "queued").map((line) => line.deliveryId)).toEqual([...ignored, ...triggering].map((delivery) => delivery.deliveryId));
    expect(outcomes().slice(2).sort()).toEqual([
      ["org-default", "mallory lacks write access; no model call was made"],
      ["own-config", "mallory lacks write access; no model call was made"],
    ]);
    expect(finished(events)).toHaveLength(4);
  });

  it("cancels a queued job and a running one when the label is removed, and says so on each issue", async () => {
    world = await startWorld({ respond: () => ({ kind: "hang" }) });
    await addRepo(world, "text-tools");
    await addLabelledIssue(world, "text-tools", 1);
    await addLabelledIssue(world, "text-tools", 2);
    ({ app } = await startTestApp(world, { CODEGEN_CONCURRENCY: "1" }));
    const events = recordEvents(app);

    await deliver(app.url, "issues", labeled(world, "text-tools", 1));
    await deliver(app.url, "issues", labeled(world, "text-tools", 2));
    await waitFor("the first job's first model call", () => world!.model.requests.length === 1);
    expect(await app.queue.counts()).toMatchObject({ running: 1, queued: 1 });

    world.github.unlabelIssue(OWNER, "text-tools", 2, "codegen", "alice");
    expect((await deliver(app.url, "issues", unlabeled(world, "text-tools", 2))).status).toBe(200);
    expect(events.filter((event) => event.type === "cancelled").map((event) => event.job.item.issue)).toEqual([2]);
    // The comment is written after the answer (the answer waits for no GitHub call).
    await waitFor("the cancellation comment", () => world!.github.comments(OWNER, "text-tools", 2).length > 0);
    expect(world.github.comments(OWNER, "text-tools", 2).map((comment) => comment.body)).toEqual([
      expect.stringMatching(/@alice removed the `codegen` label, so the queued codegen-crew run was cancelled before it started/),
    ]);

    world.github.unlabelIssue(OWNER, "text-tools", 1, "codegen", "alice");
    expect((await deliver(app.url, "issues", unlabeled(world, "text-tools", 1))).status).toBe(200);
    const done = (await waitFor("the running job to stop", () => finished(events)[0], 15_000)) as Extract<QueueEvent, { type: "finished" }>;
    expect(done.outcome.result).toBe("cancelled");
    // The abort reached the crew: the model call in flight was dropped and no later phase asked anything.
    expect(world.model.requests).toHaveLength(1);
    expect(world.model.requests[0]!.endedAt).toBeDefined();
    await waitFor("the stop comment", () => world!.github.comments(OWNER, "text-tools", 1).some((comment) => /stopping the run in progress/.test(comment.body)));
    const comments = world.github.comments(OWNER, "text-tools", 1).map((comment) => comment.body);
    expect(comments.find((body) => body.includes(STATUS_MARKER))).toMatch(/cancelled/);
    expect(world.github.pullRequests(OWNER, "text-tools")).toEqual([]);
    expect(await app.queue.counts()).toMatchObject({ running: 0, queued: 0 });
  });

  it("a delivery for a repository the installation cannot access fails once, logged, without retries", async () => {
    world = await startWorld();
    const started = await startTestApp(world, { CODEGEN_JOB_ATTEMPTS: "3" });
    app = started.app;
    const events = recordEvents(app);
    const payload = issuesLabeledPayload({
      owner: OWNER,
      repo: "not-installed",
      sender: "alice",
      label: "codegen",
      installationId: 4242,
      issue: { number: 3, title: "Anything" },
      apiUrl: world.github.apiUrl,
      serverUrl: world.github.serverUrl,
    });

    expect((await deliver(app.url, "issues", payload)).status).toBe(200);

    const failure = (await waitFor("the job to fail", () => events.find((event) => event.type === "failed"))) as Extract<QueueEvent, { type: "failed" }>;
    expect(failure.willRetry).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(events.filter((event) => event.type === "started")).toHaveLength(1);
    expect(await app.queue.counts()).toMatchObject({ failed: 1, queued: 0, running: 0 });
    const line = started.lines.find((entry) => entry.event === "job-failed");
    expect(line).toMatchObject({ repo: `${OWNER}/not-installed`, issue: 3, willRetry: false });
    expect(line?.msg).toMatch(/cannot access octo\/not-installed \(HTTP 404\)/);
    expect(world.model.requests).toHaveLength(0);
  });
  it("a clone that fails while the job takes the lock and opens the status comment: the comment says failed, the lock is released, the queue retries, and the retry finishes the same comment", async () => {
    world = await startWorld();
    await addRepo(world, "text-tools");
    await addLabelledIssue(world, "text-tools", 1);
    // Every git attempt of the first job gets a 502: the clone's three and those of the listing of the remote's
    // branches, which goes out beside the clone once the lock is held (git-remote.ts tries each three times).
    world.github.failNext("POST", /\/git-upload-pack$/, 502, 6);
    ({ app } = await startTestApp(world, { CODEGEN_JOB_ATTEMPTS: "2" }));
    const events = recordEvents(app);

    expect((await deliver(app.url, "issues", labeled(world, "text-tools", 1))).status).toBe(200);

    const done = (await waitFor("the retried job to finish", () => finished(events)[0], 120_000)) as Extract<QueueEvent, { type: "finished" }>;
    expect(events.filter((event) => event.type === "failed").map((event) => (event as Extract<QueueEvent, { type: "failed" }>).willRetry)).toEqual([true]);
    expect(done.outcome.result).toBe("ready");
    const statuses = world.github.comments(OWNER, "text-tools", 1).filter((comment) => comment.body.includes(STATUS_MARKER));
    expect(statuses).toHaveLength(1);
    expect(statuses[0]!.body).toMatch(/state=ready/);
    // What people saw between the attempts: the first job's status comment, finished as failed with the reason.
    expect(statuses[0]!.edits.map((edit) => edit.previousBody).join("\n")).toMatch(/state=failed[\s\S]*the repository could not be prepared: .*502/);
    expect(world.github.pullRequests(OWNER, "text-tools")).toHaveLength(1);
    expect(world.github.requests.filter((r) => r.method === "DELETE" && r.path.includes("locks"))).toHaveLength(2);
    expect(world.github.pendingFaults()).toEqual([]);
    // Both jobs' clone folders are gone.
    expect((await readdir(world.temp)).filter((name) => name.startsWith("codegen-crew-job-"))).toEqual([]);
  });
});
