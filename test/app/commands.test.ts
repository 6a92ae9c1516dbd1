import { afterEach, describe, expect, it } from "vitest";
import type { QueueEvent } from "../../src/app/queue-events.js";
import type { RunningApp } from "../../src/app/start-app.js";
import { issueCommentCreatedPayload, pullRequestReviewSubmittedPayload } from "../support/webhook-payloads.js";
import { addLabelledIssue, addRepo, deliver, INSTALLATION_ID, labeled, OWNER, startTestApp, startWorld, waitFor, type AppWorld, type LogLine } from "./app-fixture.js";

let world: AppWorld | undefined;
let app: RunningApp | undefined;
afterEach(async () => {
  await app?.close(5_000);
  await world?.close();
  app = undefined;
  world = undefined;
});

const REPO = "text-tools";
/** The bot's PR for issue 1 (the stand-in's PR #2, on the bot's branch). */
const PR = 2;

async function withBotPullRequest(target: AppWorld): Promise<void> {
  await addLabelledIssue(target, REPO, 1);
  await target.github.addIssue(OWNER, REPO, {
    number: PR,
    title: "Add shout(text)",
    user: "codegen-crew[bot]",
    labels: ["codegen-crew"],
    pull_request: { head: "codegen-crew/issue-1" },
  });
}

function review(target: AppWorld, reviewer: string, state: "approved" | "changes_requested" | "commented", body: string) {
  return pullRequestReviewSubmittedPayload({
    owner: OWNER,
    repo: REPO,
    installationId: INSTALLATION_ID,
    sender: reviewer,
    pullRequest: {
      number: PR,
      title: "Add shout(text)",
      head: { ref: "codegen-crew/issue-1", sha: "a".repeat(40) },
      base: { ref: "main", sha: "b".repeat(40) },
      labels: ["codegen-crew"],
    },
    review: { state, body, user: reviewer },
    apiUrl: target.github.apiUrl,
    serverUrl: target.github.serverUrl,
  });
}

function comment(target: AppWorld, user: string, body: string, on: { number: number; pullRequest: boolean } = { number: PR, pullRequest: true }) {
  const issue = target.github.issue(OWNER, REPO, on.number);
  return issueCommentCreatedPayload({
    owner: OWNER,
    repo: REPO,
    sender: user,
    installationId: INSTALLATION_ID,
    issue: { number: on.number, title: issue.title, body: issue.body, user: issue.user, labels: issue.labels, pullRequest: on.pullRequest },
    comment: { body, user },
    apiUrl: target.github.apiUrl,
    serverUrl: target.github.serverUrl,
  });
}

const bodies = (target: AppWorld, number: number) => target.github.comments(OWNER, REPO, number).map((entry) => entry.body);
const enqueued = (lines: LogLine[]) => lines.filter((line) => line.enqueue).map((line) => line.enqueue);
/** Writes other than the 👀 on a comment (the stand-in serves comment reactions once the forge work lands). */
const writes = (target: AppWorld) =>
  target.github.requests.filter(
    (request) => request.kind === "api" && request.method !== "GET" && request.path.startsWith("/repos/") && !/\/issues\/comments\/\d+\/reactions$/.test(request.path),
  );

describe("the GitHub App: reviews and /codegen commands", () => {
  it("ignores bots, approvals, edits and plain comments; refuses /codegen from someone without write access once; help answers anyone", async () => {
    world = await startWorld();
    await addRepo(world, REPO);
    await withBotPullRequest(world);
    const started = await startTestApp(world);
    app = started.app;
    // Probot routes by action: an edited comment never reaches the created handler, and must start nothing.
    const edited = { ...comment(world, "alice", "/codegen retry"), action: "edited", changes: { body: { from: "/codegen retyr" } } };

    const ignored = [
      await deliver(app.url, "pull_request_review", review(world, "lint-bot[bot]", "changes_requested", "Fix the lint")),
      await deliver(app.url, "pull_request_review", review(world, "alice", "approved", "")),
      await deliver(app.url, "issue_comment", edited),
      await deliver(app.url, "issue_comment", comment(world, "alice", "Nice work")),
    ];
    expect(ignored.map((delivery) => delivery.status)).toEqual([200, 200, 200, 200]);
    expect(started.lines.filter((line) => /^ignored: /.test(line.msg)).map((line) => line.msg)).toEqual([
      expect.stringMatching(/lint-bot\[bot\] is a bot/),
      "ignored: an approving review asks for no change",
      "ignored: the comment holds no /codegen command",
    ]);
    expect(writes(world)).toEqual([]);

    expect((await deliver(app.url, "issue_comment", comment(world, "mallory", "/codegen rewrite it in Rust"))).status).toBe(200);
    expect((await deliver(app.url, "issue_comment", comment(world, "mallory", "/codegen help", { number: 1, pullRequest: false }))).status).toBe(200);
    await waitFor("the refusal", () => bodies(world!, PR).length === 1);
    await waitFor("the help", () => bodies(world!, 1).length === 1);
    expect(bodies(world, PR)).toEqual([expect.stringMatching(/@mallory: codegen-crew only acts on `\/codegen` commands and reviews from people with write access/)]);
    expect(bodies(world, 1)).toEqual([expect.stringContaining("`/codegen retry`")]);

    expect(enqueued(started.lines)).toEqual([]);
    expect(await app.queue.counts()).toMatchObject({ queued: 0, running: 0 });
    expect(world.model.requests).toHaveLength(0);
  });

  it("queues two reviews that arrive while the issue's job runs as one revision behind it; /codegen stop cancels both", async () => {
    world = await startWorld({ respond: () => ({ kind: "hang" }) });
    await addRepo(world, REPO);
    await withBotPullRequest(world);
    const started = await startTestApp(world);
    app = started.app;
    const events: QueueEvent[] = [];
    app.jobEvents!.subscribe((event) => events.push(event));

    await deliver(app.url, "issues", labeled(world, REPO, 1));
    await waitFor("the label job's first model call", () => world!.model.requests.length === 1);
    await deliver(app.url, "pull_request_review", review(world, "alice", "changes_requested", "Handle empty strings"));
    await deliver(app.url, "pull_request_review", review(world, "alice", "commented", "And a test for it, please"));

    expect(enqueued(started.lines)).toEqual(["queued", "queued", "merged"]);
    expect(await app.queue.counts()).toMatchObject({ running: 1, queued: 1 });
    const behind = started.lines.filter((line) => line.enqueue)[1]!;
    expect(started.lines.filter((line) => line.enqueue)[2]!.jobId).toBe(behind.jobId);
    await waitFor("the 👀 on the PR", () => world!.github.issue(OWNER, REPO, PR).reactions.some((reaction) => reaction.content === "eyes"));

    expect((await deliver(app.url, "issue_comment", comment(world, "alice", "/codegen stop"))).status).toBe(200);
    const done = (await waitFor("the running job to stop", () => events.find((event) => event.type === "finished"), 15_000)) as Extract<QueueEvent, { type: "finished" }>;
    expect(done.outcome.result).toBe("cancelled");
    expect(events.filter((event) => event.type === "cancelled").map((event) => event.jobId)).toEqual([behind.jobId]);
    const waiting = events.find((event) => event.type === "cancelled")!.job.item;
    expect(waiting).toMatchObject({ kind: "revision", issue: 1, pr: PR, trigger: { type: "review" }, merged: [{ type: "review", sender: "alice" }] });
    await waitFor("the stop reply", () => bodies(world!, PR).some((body) => /@alice stopped codegen-crew: the run in progress is stopping/.test(body)));
    expect(world.model.requests).toHaveLength(1);
    expect(await app.queue.counts()).toMatchObject({ running: 0, queued: 0 });
  });
});
