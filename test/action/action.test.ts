import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { acquireRunLock, lockRef } from "../../src/core/issue/run-lock.js";
import { STATS_MARKER } from "../../src/core/issue/stats-comment.js";
import { STATUS_MARKER } from "../../src/core/issue/status-comment.js";
import { demoAnswers } from "../../src/demo/demo-answers.js";
import { createGitHubOctokit, createOctokitForge } from "../../src/github/octokit-forge.js";
import { scriptDemoStory } from "../crew/crew-fixture.js";
import { toolAnswer } from "../support/scripted-model.js";
import {
  API_KEY,
  commentEvent,
  dispatchEvent,
  labeledEvent,
  reviewEvent,
  OWNER,
  REPO,
  runAction,
  scriptShoutRevision,
  startWorld,
  TOKEN,
  type ActionWorld,
} from "./action-fixture.js";

const exec = promisify(execFile);
let world: ActionWorld;
afterEach(async () => {
  await world?.close();
});

const writes = (w: ActionWorld) => w.github.requests.filter((r) => r.kind === "api" && r.method !== "GET");
const statusComments = (w: ActionWorld) => w.github.comments(OWNER, REPO, 1).filter((c) => c.body.includes(STATUS_MARKER));
const lockHeld = async (w: ActionWorld) => (await createOctokitForge(createGitHubOctokit({ baseUrl: w.github.apiUrl, token: TOKEN }), OWNER, REPO).getRef(lockRef(1))) !== null;

/** True once `condition` holds; false after `capMs`, which only keeps a broken run from hanging the test. */
async function until(condition: () => boolean, capMs = 60_000): Promise<boolean> {
  const end = Date.now() + capMs;
  while (!condition()) {
    if (Date.now() > end) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}

function expectNoSecrets(w: ActionWorld, ...texts: string[]): void {
  const everything = [
    ...texts,
    ...[...w.github.state.repo(OWNER, REPO)!.comments.values()].map((c) => c.body),
    ...w.github.pullRequests(OWNER, REPO).map((p) => `${p.title}\n${p.body}`),
  ].join("\n");
  expect(everything).not.toContain(TOKEN);
  expect(everything).not.toContain(API_KEY);
}

describe("the GitHub Action (dist/index.js, no node_modules)", () => {
  it("turns a labelled issue into one ready PR with a live status comment and a stats comment", async () => {
    world = await startWorld();
    scriptDemoStory(world.model);

    const run = await runAction(world, labeledEvent(world));

    expect(run.code, run.stdout).toBe(0);
    world.model.assertComplete();
    expect(run.outputs.result).toBe("ready");
    expect(run.outputs.branch).toBe("codegen-crew/issue-1");
    expect(run.outputs.mode).toBe("new");
    const prs = world.github.pullRequests(OWNER, REPO);
    expect(prs).toHaveLength(1);
    const pr = prs[0]!;
    expect(run.outputs["pull-request-number"]).toBe(String(pr.number));
    expect(run.outputs["pull-request-url"]).toMatch(new RegExp(`/pull/${pr.number}$`));
    expect(pr.pullRequest!.headRef).toBe("codegen-crew/issue-1");
    expect(pr.pullRequest!.draft).toBe(false);
    expect(pr.body).toContain("Closes #1");
    expect(pr.body).toMatch(/\| test \| `npm run test --silent`|\| test \|/);
    expect(pr.labels).toContain("codegen-crew");

    // The branch on the remote holds the crew's commits, and its tests pass on the remote's content.
    const log = await world.github.gitLog(OWNER, REPO, "codegen-crew/issue-1");
    expect(log.map((c) => c.message).join("\n")).toMatch(/debugger \(round 1\)/);
    expect(await world.github.readFile(OWNER, REPO, "codegen-crew/issue-1", "test/slugify.test.js")).toContain("slugify");

    // 👀, one status comment edited to its final state, one stats comment with the gantt chart on the PR.
    expect(world.github.issue(OWNER, REPO, 1).reactions.map((r) => r.content)).toContain("eyes");
    const issueComments = world.github.comments(OWNER, REPO, 1);
    const status = issueComments.filter((c) => c.body.includes(STATUS_MARKER));
    expect(status).toHaveLength(1);
    expect(status[0]!.body).toMatch(/state=ready/);
    expect(status[0]!.body).toContain("/actions/runs/4242");
    expect(status[0]!.body).toContain(pr.number.toString());
    expect(status[0]!.edits.length).toBeGreaterThan(0);
    const stats = world.github.comments(OWNER, REPO, pr.number).filter((c) => c.body.includes(STATS_MARKER));
    expect(stats).toHaveLength(1);
    expect(stats[0]!.body).toContain("```mermaid");
    expect(run.summary).toContain("gantt");

    expect(world.github.violations).toEqual([]);
    // `::add-mask::` is how a step tells the runner what to mask; the runner never shows those lines.
    expect(run.stdout).toContain(`::add-mask::${API_KEY}`);
    expectNoSecrets(world, run.stdout.replace(/^::add-mask::.*$/gm, ""), run.summary);
  });

  it("uses the job's checkout, after removing the credentials actions/checkout persisted in it", async () => {
    world = await startWorld();
    scriptDemoStory(world.model);
    const workspace = path.join(world.temp, "checkout");
    await exec("git", ["clone", "-q", world.github.cloneUrl(OWNER, REPO), workspace]);
    const header = `AUTHORIZATION: basic ${Buffer.from(`x-access-token:${TOKEN}`).toString("base64")}`;
    await exec("git", ["-C", workspace, "config", "--local", `http.${world.github.serverUrl}/.extraheader`, header]);

    const run = await runAction(world, labeledEvent(world), {}, { workspace });

    expect(run.code, run.stdout).toBe(0);
    expect(run.outputs.result).toBe("ready");
    expect(run.stdout).toMatch(/using the checkout in/);
    const config = await readFile(path.join(workspace, ".git", "config"), "utf8");
    expect(config).not.toContain(header);
    expect(config).not.toContain(TOKEN);
    expect(world.github.pullRequests(OWNER, REPO)).toHaveLength(1);
  });

  it("skips any other label without a model call or a single write to GitHub", async () => {
    world = await startWorld();
    const run = await runAction(world, labeledEvent(world, "bug"));
    expect(run.code).toBe(0);
    expect(run.outputs.result).toBe("skipped");
    expect(world.model.requests).toHaveLength(0);
    expect(writes(world)).toEqual([]);
  });

  it("runs from workflow_dispatch with an issue number", async () => {
    world = await startWorld();
    scriptDemoStory(world.model);
    const run = await runAction(world, dispatchEvent(world, 1));
    expect(run.code, run.stdout).toBe(0);
    expect(run.outputs.result).toBe("ready");
    expect(world.github.pullRequests(OWNER, REPO)).toHaveLength(1);
    expect(world.github.violations).toEqual([]);
  });

  it("relabelling updates the same branch, PR and status comment, building on commits a person pushed", async () => {
    world = await startWorld();
    scriptDemoStory(world.model);
    const first = await runAction(world, labeledEvent(world));
    expect(first.outputs.result).toBe("ready");
    const human = await world.github.commitFiles(OWNER, REPO, "codegen-crew/issue-1", { "NOTES.md": "a person's note\n" }, "a person's commit");

    const strings = (await world.github.readFile(OWNER, REPO, "codegen-crew/issue-1", "src/strings.js"))!;
    scriptShoutRevision(world.model, strings);
    const second = await runAction(world, labeledEvent(world));

    expect(second.code, second.stdout).toBe(0);
    expect(second.outputs.result).toBe("ready");
    expect(second.outputs.mode).toBe("revision");
    expect(second.outputs["pull-request-number"]).toBe(first.outputs["pull-request-number"]);
    expect(world.github.pullRequests(OWNER, REPO)).toHaveLength(1);
    expect(world.github.pullRequests(OWNER, REPO)[0]!.title).toBe("Add shout(text)");
    const log = await world.github.gitLog(OWNER, REPO, "codegen-crew/issue-1");
    expect(log.map((c) => c.sha)).toContain(human); // never force-pushed over
    expect(await world.github.readFile(OWNER, REPO, "codegen-crew/issue-1", "NOTES.md")).toBe("a person's note\n");
    expect(world.github.comments(OWNER, REPO, 1).filter((c) => c.body.includes(STATUS_MARKER))).toHaveLength(1);
    expect(world.github.comments(OWNER, REPO, Number(first.outputs["pull-request-number"])).filter((c) => c.body.includes(STATS_MARKER))).toHaveLength(1);
    expect(world.github.violations).toEqual([]);
  });

  it("a draft PR from a first run, then a revision that fixes it: the PR is marked ready over GraphQL", async () => {
    world = await startWorld();
    await world.github.commitFiles(OWNER, REPO, "main", { ".github/codegen-crew.yml": "max_rounds: 0\n" }, "no repair rounds");
    scriptDemoStory(world.model, ["debugger", "reviewer"]);
    world.model.on("reviewer", toolAnswer("reviewer", demoAnswers.reviewer[0]!));
    const first = await runAction(world, labeledEvent(world));
    expect(first.outputs.result).toBe("draft");
    expect(world.github.pullRequests(OWNER, REPO)[0]!.pullRequest!.draft).toBe(true);

    // The relabel revises the branch, judged on the whole change: the slugify test the first run left failing
    // is the change's own failure (it did not fail on main), and the reviser fixes it.
    world.model.on("debugger", toolAnswer("debugger", { ...demoAnswers.debugger[0]!, responses: [{ item: 1, reply: "Fixed the separator runs." }] }));
    world.model.on("reviewer", toolAnswer("reviewer", { verdict: "approve", comments: [] }));
    world.model.on("summarizer", toolAnswer("summarizer", { title: "Add slugify(text)", body: "Adds slugify." }));
    const second = await runAction(world, labeledEvent(world));

    expect(second.outputs.result, second.stdout).toBe("ready");
    expect(second.outputs.mode).toBe("revision");
    expect(world.github.pullRequests(OWNER, REPO)).toHaveLength(1);
    expect(world.github.pullRequests(OWNER, REPO)[0]!.pullRequest!.draft).toBe(false);
    expect(world.github.draftMutations.map((m) => m.mutation)).toEqual(["markPullRequestReadyForReview"]);
    const stats = world.github.comments(OWNER, REPO, Number(second.outputs["pull-request-number"])).find((c) => c.body.includes(STATS_MARKER))!;
    expect(stats.body).toMatch(/\*\*2 runs\*\*[\s\S]*PR marked ready for review/);
  });

  it("a 502 after GitHub created the PR still leaves exactly one PR", async () => {
    world = await startWorld();
    scriptDemoStory(world.model);
    world.github.failNext("POST", "/repos/{owner}/{repo}/pulls", 502, { performFirst: true });
    const run = await runAction(world, labeledEvent(world));
    expect(run.code, run.stdout).toBe(0);
    expect(run.outputs.result).toBe("ready");
    expect(world.github.pullRequests(OWNER, REPO)).toHaveLength(1);
    expect(run.outputs["pull-request-number"]).toBe(String(world.github.pullRequests(OWNER, REPO)[0]!.number));
  });

  it("without a key it fails before any model call or write, naming the input", async () => {
    world = await startWorld();
    const run = await runAction(world, labeledEvent(world), {}, { omitKey: true });
    expect(run.code).not.toBe(0);
    expect(run.stdout).toMatch(/no API key: set the "api-key" input .*, or OPENAI_API_KEY or OPENROUTER_API_KEY/);
    expect(run.outputs.result).toBe("failed");
    expect(world.model.requests).toHaveLength(0);
    expect(writes(world)).toEqual([]);
  });

  it("a review by a bot and an edited comment start nothing and write nothing", async () => {
    world = await startWorld();
    await world.github.addIssue(OWNER, REPO, { number: 2, title: "Add shout", user: "codegen-crew[bot]", pull_request: { head: "codegen-crew/issue-1" } });
    const edited = commentEvent(world, "/codegen retry");
    const runs = [
      await runAction(world, reviewEvent(world, 2, "codegen-crew/issue-1", { state: "changes_requested", body: "again", reviewer: "lint-bot[bot]" }), {}, { omitKey: true }),
      await runAction(world, { ...edited, payload: { ...edited.payload, action: "edited" } }, {}, { omitKey: true }),
    ];
    expect(runs.map((run) => [run.code, run.outputs.result, run.outputs.mode])).toEqual(Array(2).fill([0, "skipped", ""]));
    expect(runs[0]!.stdout).toMatch(/lint-bot\[bot\] is a bot/);
    expect(runs[1]!.stdout).toMatch(/"edited" is not "created"/);
    expect(world.model.requests).toHaveLength(0);
    expect(writes(world)).toEqual([]);
  });

  it("/codegen help replies with the commands, and /codegen stop says how to cancel a workflow run, with no key and no model", async () => {
    world = await startWorld();
    await world.github.addIssue(OWNER, REPO, { number: 2, title: "Add shout", user: "codegen-crew[bot]", pull_request: { head: "codegen-crew/issue-1" } });
    const help = await runAction(world, commentEvent(world, "/codegen help", { user: "mallory" }), {}, { omitKey: true });
    const stop = await runAction(world, commentEvent(world, "/codegen stop", { on: { number: 2, pullRequest: true } }), {}, { omitKey: true });
    expect([help.code, help.outputs.result, stop.code, stop.outputs.result]).toEqual([0, "skipped", 0, "skipped"]);
    expect(world.github.comments(OWNER, REPO, 1).map((comment) => comment.body)).toEqual([expect.stringContaining("`/codegen retry`")]);
    expect(world.github.comments(OWNER, REPO, 2).map((comment) => comment.body)).toEqual([expect.stringMatching(/cannot cancel another.*Actions.*tab/s)]);
    // The comment on the PR named no branch: the Action read the PR to see it is the bot's.
    expect(world.github.requests.some((request) => request.method === "GET" && request.path.endsWith("/pulls/2"))).toBe(true);
    expect(world.model.requests).toHaveLength(0);
  });

  it("a sender without write access gets a polite comment and no model call", async () => {
    world = await startWorld();
    const run = await runAction(world, labeledEvent(world, "codegen", "mallory"));
    expect(run.outputs.result).toBe("skipped");
    expect(world.model.requests).toHaveLength(0);
    const comments = world.github.comments(OWNER, REPO, 1);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toMatch(/@mallory: codegen-crew only acts for people with write access/);
    expect(world.github.pullRequests(OWNER, REPO)).toHaveLength(0);
  });

  it("a bad config file fails the run, and the status comment quotes the key and the reason", async () => {
    world = await startWorld();
    await world.github.commitFiles(OWNER, REPO, "main", { ".github/codegen-crew.yml": "max_rounds: many\n" }, "bad config");
    const run = await runAction(world, labeledEvent(world));
    expect(run.code).not.toBe(0);
    expect(run.outputs.result).toBe("failed");
    expect(world.model.requests).toHaveLength(0);
    const status = world.github.comments(OWNER, REPO, 1).find((c) => c.body.includes(STATUS_MARKER))!;
    expect(status.body).toMatch(/state=failed/);
    expect(status.body).toMatch(/\.github\/codegen-crew\.yml: key "max_rounds"/);
  });

  it("a 403 on creating the PR names the missing workflow permission", async () => {
    world = await startWorld();
    scriptDemoStory(world.model);
    world.github.failNext("POST", "/repos/{owner}/{repo}/pulls", 403, 5);
    const run = await runAction(world, labeledEvent(world));
    expect(run.outputs.result).toBe("failed");
    const status = world.github.comments(OWNER, REPO, 1).find((c) => c.body.includes(STATUS_MARKER))!;
    expect(status.body).toMatch(/permissions: pull-requests: write/);
    expect(world.github.pullRequests(OWNER, REPO)).toHaveLength(0);
  });

  it("an issue that does not exist, or a pull request, fails with a clear message", async () => {
    world = await startWorld();
    const missing = await runAction(world, dispatchEvent(world, 99));
    expect(missing.outputs.result).toBe("failed");
    expect(missing.stdout).toMatch(/issue #99 was not found in octo\/text-tools/);
    await world.github.addIssue(OWNER, REPO, { number: 2, title: "a PR", pull_request: { head: "main" } });
    const pr = await runAction(world, dispatchEvent(world, 2));
    expect(pr.outputs.result).toBe("failed");
    expect(pr.stdout).toMatch(/#2 is a pull request, not an issue/);
    expect(world.model.requests).toHaveLength(0);
  });

  it("a second run while another holds the issue's run lock stops as skipped, names that run and writes nothing", async () => {
    world = await startWorld();
    // Another workflow run took the lock (a ref created through the Git Data API) and is still working.
    const other = createOctokitForge(createGitHubOctokit({ baseUrl: world.github.apiUrl, token: TOKEN }), OWNER, REPO);
    const now = Date.now();
    const held = await acquireRunLock(
      other,
      1,
      { run: "workflow run https://example.invalid/runs/99", owner: "action", startedAt: now, expiresAt: now + 3_600_000 },
      { now: () => now, log: { warn: () => {} } },
    );
    expect(held.acquired).toBe(true);

    const run = await runAction(world, labeledEvent(world));
    expect(run.outputs.result).toBe("skipped");
    expect(run.stdout).toMatch(/workflow run https:\/\/example\.invalid\/runs\/99 \(started .*\) is already working on #1/);
    expect(world.model.requests).toHaveLength(0);
    expect(world.github.comments(OWNER, REPO, 1)).toHaveLength(0);
  });

  it("reads the issue, checks the sender, takes the lock and opens the status comment while git still serves the clone", async () => {
    world = await startWorld();
    // A config error ends the run right after the clone, before any model call: what matters here is before.
    await world.github.commitFiles(OWNER, REPO, "main", { ".github/codegen-crew.yml": "max_rounds: many\n" }, "bad config");
    const statusUp = until(() => statusComments(world).length > 0);
    world.github.holdNextGit(/\/git-upload-pack$/, statusUp);

    const run = await runAction(world, labeledEvent(world));

    expect(await statusUp, "the status comment was written while the clone waited").toBe(true);
    expect(run.outputs.result).toBe("failed");
    expect(statusComments(world)[0]!.body).toMatch(/key "max_rounds"/);
    // Still no write before the sender's permission was read; the first write is the lock's tag.
    const log = world.github.requests;
    const firstWrite = log.findIndex((r) => r.kind === "api" && r.method !== "GET");
    expect(log.findIndex((r) => r.path.endsWith("/collaborators/alice/permission"))).toBeLessThan(firstWrite);
    expect(log[firstWrite]!.path).toMatch(/\/git\/tags$/);
    expect(await lockHeld(world)).toBe(false);
  });

  it("a clone that fails after the lock is taken finishes the status comment as failed, with the reason, and releases the lock", async () => {
    world = await startWorld();
    world.github.failNext("POST", /\/git-upload-pack$/, 404);

    const run = await runAction(world, labeledEvent(world));

    expect(run.code).not.toBe(0);
    expect(run.outputs.result).toBe("failed");
    expect(world.model.requests).toHaveLength(0);
    const status = statusComments(world);
    expect(status).toHaveLength(1);
    expect(status[0]!.body).toMatch(/state=failed/);
    expect(status[0]!.body).toMatch(/the repository could not be prepared: .*404/);
    expect(await lockHeld(world)).toBe(false);
    expect(world.github.pendingFaults()).toEqual([]);
  });

  it("a sender without write access is refused even when the clone fails meanwhile: one comment, a clean exit", async () => {
    world = await startWorld();
    world.github.failNext("POST", /\/git-upload-pack$/, 404);

    const run = await runAction(world, labeledEvent(world, "codegen", "mallory"));

    expect(run.code, run.stdout).toBe(0);
    expect(run.outputs.result).toBe("skipped");
    expect(run.stdout).not.toMatch(/unhandled|rejection/i);
    expect(writes(world).map((r) => `${r.method} ${r.path}`)).toEqual([`POST /repos/${OWNER}/${REPO}/issues/1/comments`]);
    expect(world.github.comments(OWNER, REPO, 1).map((c) => c.body)).toEqual([expect.stringMatching(/@mallory: codegen-crew only acts for people with write access/)]);
    expect(world.github.pendingFaults()).toEqual([]);
  });

  const node24 = process.env.CODEGEN_CREW_NODE24;
  it.skipIf(!node24)("runs under Node 24, the runtime action.yml declares", async () => {
    world = await startWorld();
    scriptDemoStory(world.model);
    // At the strong tier, as on a GitHub runner: there the Action's node lives outside /usr (the runner's externals).
    const run = await runAction(world, labeledEvent(world), {}, { node: node24! });
    expect(run.code, run.stdout).toBe(0);
    expect(run.outputs.result).toBe("ready");
    expect(world.github.pullRequests(OWNER, REPO)).toHaveLength(1);
  });
});
