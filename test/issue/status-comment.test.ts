import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { ForgeClient } from "../../src/core/forge/forge-client.js";
import { StatusComment } from "../../src/core/issue/status-comment.js";
import type { ProgressEvent } from "../../src/core/progress.js";
import { createGitHubOctokit, createOctokitForge } from "../../src/github/octokit-forge.js";
import { startGitHubServer, type GitHubServer } from "../support/github-server.js";

const OWNER = "acme";
const REPO = "widgets";
const TOKEN = "ghs_writer";

let github: GitHubServer;
let forge: ForgeClient;
let nextIssue = 1;

beforeAll(async () => {
  github = await startGitHubServer({ tokens: [TOKEN] });
  await github.addRepo(OWNER, REPO, { files: { "README.md": "# widgets\n" }, permissions: { alice: "write" } });
  forge = createOctokitForge(createGitHubOctokit({ baseUrl: github.apiUrl, token: TOKEN, pacing: { retryUnitMs: 5, writeIntervalMs: 0 } }), OWNER, REPO);
});
afterEach(() => expect(github.violations).toEqual([]));
afterAll(async () => github?.close());

async function freshIssue(): Promise<number> {
  const number = nextIssue++;
  await github.addIssue(OWNER, REPO, { number, title: `Issue ${number}`, body: "Do it.", user: "alice" });
  return number;
}

/** The edits the stand-in received for one comment, in arrival order. */
function editsOf(commentId: number): string[] {
  return github.requests.filter((r) => r.method === "PATCH" && r.path.endsWith(`/issues/comments/${commentId}`)).map((r) => (r.body as { body: string }).body);
}

function phase(name: string, at: number): ProgressEvent[] {
  return [
    { type: "phase-start", phase: "developer", name, round: 0, at },
    { type: "phase-end", phase: "developer", name, round: 0, at, status: "ok" },
    { type: "usage", totalTokens: at * 100, costUsd: at / 1000, at },
  ];
}

/** Lets timers that are due run (setImmediate comes after the timers phase of the event loop). */
const turn = () => new Promise((resolve) => setImmediate(resolve));

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe("the status comment", () => {
  it("coalesces a burst of progress into few edits, and the final state is the one the issue keeps", async () => {
    const issue = await freshIssue();
    const status = await StatusComment.open(forge, issue, { trigger: "label added by @alice", minEditIntervalMs: 60_000 });
    const events = Array.from({ length: 20 }, (_, i) => phase(`phase ${i}`, i)).flat();

    for (const event of events) status.onProgress(event);
    await turn();
    await status.finish("ready", "**Pull request:** https://example.invalid/pull/2 — done");

    const edits = editsOf(status.id);
    expect(edits.length).toBeLessThan(events.length);
    expect(edits.length).toBeLessThanOrEqual(2);
    const kept = github.comments(OWNER, REPO, issue)[0]!.body;
    expect(edits.at(-1)).toBe(kept);
    expect(kept).toMatch(/state=ready/);
    expect(kept).toContain("✅ phase 19");
    expect(kept).toContain("1,900 tokens");
    expect(kept).toContain("https://example.invalid/pull/2");
  });

  it("after hold(), progress sends nothing more; the final edit still lands, once, however often finish is called with it", async () => {
    const issue = await freshIssue();
    const status = await StatusComment.open(forge, issue, { minEditIntervalMs: 0 });
    for (const event of phase("architect", 1)) status.onProgress(event);
    await until(() => editsOf(status.id).length === 1);
    const before = editsOf(status.id).length;

    status.hold();
    for (const event of phase("summarizer", 2)) status.onProgress(event);
    await turn();
    await turn();
    expect(editsOf(status.id)).toHaveLength(before);

    await status.finish("draft", "**Draft pull request:** https://example.invalid/pull/3 — checks failed");
    await status.finish("draft", "**Draft pull request:** https://example.invalid/pull/3 — checks failed");
    const edits = editsOf(status.id);
    expect(edits).toHaveLength(before + 1);
    expect(edits.at(-1)).toMatch(/state=draft/);
    expect(edits.at(-1)).toContain("✅ summarizer");
  });

  it("a later finish overrides an earlier one, even while that one is still on its way (a failure after the PR was announced)", async () => {
    const issue = await freshIssue();
    const status = await StatusComment.open(forge, issue, {});
    const first = status.finish("ready", "**Pull request:** https://example.invalid/pull/4 — done");
    const second = status.finish("failed", "**What failed:** could not write the stats comment");
    await Promise.all([first, second]);

    const edits = editsOf(status.id);
    // Latest state wins: the earlier finish may not even be sent, and nothing lands after the later one.
    expect(edits.length).toBeLessThanOrEqual(2);
    expect(edits.at(-1)).toMatch(/state=failed/);
    expect(github.comments(OWNER, REPO, issue)[0]!.body).toMatch(/state=failed/);
  });
});
