import { afterEach, describe, expect, it } from "vitest";
import { STATS_MARKER } from "../../src/core/issue/stats-comment.js";
import { STATUS_MARKER } from "../../src/core/issue/status-comment.js";
import type { HeldAnswer, RecordedRequest } from "../support/github-server.js";
import { BRANCH, currentStrings, type IssueWorld, OWNER, REPO, RUN_TIMEOUT, scriptHelperStory, scriptRevisionStory, startIssueWorld } from "../reliability/issue-world.js";

/**
 * What a run sends GitHub once the crew is done, read from the stand-in's request log (counts and order,
 * never timings): the reads beside the push, no look-up of what the run already knows, the PR's writes
 * together, the run lock released last; a failed optional write is a warning and the PR stands.
 */
let world: IssueWorld;
afterEach(async () => world?.close());

const API = `/repos/${OWNER}/${REPO}`;
const isPush = (r: RecordedRequest) => r.kind === "git" && r.method === "POST" && r.path.endsWith("/git-receive-pack");
const isPrCreate = (r: RecordedRequest) => r.method === "POST" && r.path === `${API}/pulls`;
const isLabel = (r: RecordedRequest) => r.method === "POST" && /\/issues\/\d+\/labels$/.test(r.path);
const isStatsPost = (r: RecordedRequest) => r.method === "POST" && new RegExp(`^${API}/issues/(?!1/)\\d+/comments$`).test(r.path);
const isCommentEdit = (r: RecordedRequest) => r.method === "PATCH" && r.path.startsWith(`${API}/issues/comments/`);
const isLockRead = (r: RecordedRequest) => r.method === "GET" && r.path.startsWith(`${API}/git/ref/`);
const isLockDelete = (r: RecordedRequest) => r.method === "DELETE" && r.path.startsWith(`${API}/git/refs/`);
/** Edits of the status comment sent after the PR was created: its final state (progress edits stop before the push). */
const finalStatusEdits = (requests: readonly RecordedRequest[]) => requests.slice(requests.findIndex(isPrCreate) + 1).filter(isCommentEdit);

describe("publishing after the crew", RUN_TIMEOUT, () => {
  it("a new PR: the issue and default branch read beside the push, no look-ups, label, stats and final status sent together, the lock released last; a relabel edits the stats comment it read and does not relabel", async () => {
    world = await startIssueWorld();
    const gh = world.github;
    let mark = -1;
    let issueRead: HeldAnswer | undefined;
    let label: HeldAnswer | undefined;
    scriptHelperStory(world.model, await currentStrings(world), "shout", {
      summarizer: () => {
        mark = gh.requests.length;
        // The issue check's answer waits for the push: a run that waited for it before pushing would never push.
        issueRead = gh.holdAnswer("GET", `${API}/issues/1`, (requests) => requests.some(isPush));
        // The label's answer waits for the stats comment and the final status edit: sent one after the other, they would not come.
        label = gh.holdAnswer("POST", "/repos/{owner}/{repo}/issues/{issue_number}/labels", (requests) => requests.some(isStatsPost) && finalStatusEdits(requests).length > 0);
      },
    });

    const outcome = await world.run();

    expect(outcome.result, outcome.message).toBe("ready");
    expect(issueRead?.state).toBe("released");
    expect(label?.state).toBe("released");
    const after = gh.requests.slice(mark);
    const count = (match: (r: RecordedRequest) => boolean) => after.filter(match).length;
    // Reads: the issue and the default branch once each; no PR look-up before creating it or after, no listing of the new PR's comments.
    expect(count((r) => r.method === "GET" && r.path === `${API}/issues/1`)).toBe(1);
    expect(count((r) => r.method === "GET" && r.path === API)).toBe(1);
    expect(after.filter((r) => r.method === "GET" && /\/pulls(\/\d+)?$|\/issues\/(?!1\/)\d+\/comments$/.test(r.path))).toEqual([]);
    expect([count(isPush), count(isPrCreate), count(isLabel), count(isStatsPost), finalStatusEdits(after).length, count(isLockRead), count(isLockDelete)]).toEqual([
      1, 1, 1, 1, 1, 1, 1,
    ]);
    // Order: push, then the PR, then its writes; the lock's read and delete after every write of the run.
    const at = (match: (r: RecordedRequest) => boolean) => after.findIndex(match);
    const lastWrite = Math.max(at(isLabel), at(isStatsPost), after.indexOf(finalStatusEdits(after)[0]!));
    expect(at(isPrCreate)).toBeGreaterThan(at(isPush));
    expect(Math.min(at(isLabel), at(isStatsPost), after.indexOf(finalStatusEdits(after)[0]!))).toBeGreaterThan(at(isPrCreate));
    expect(at(isLockRead)).toBeGreaterThan(lastWrite);
    expect(at(isLockDelete)).toBe(after.length - 1);

    const [pr] = gh.pullRequests(OWNER, REPO);
    expect(pr!.labels).toContain("codegen-crew");
    expect(pr!.pullRequest!.draft).toBe(false);
    expect(gh.comments(OWNER, REPO, 1).filter((c) => c.body.includes(STATUS_MARKER))[0]!.body).toMatch(/state=ready/);
    const stats = gh.comments(OWNER, REPO, pr!.number).filter((c) => c.body.includes(STATS_MARKER));
    expect(stats).toHaveLength(1);

    // A relabel revises the PR: its stats comment, read before the crew, is edited in place; the label it has is not sent again.
    const second = gh.requests.length;
    scriptRevisionStory(world.model, await currentStrings(world), "whisper");
    const revised = await world.run();

    expect(revised.result, revised.message).toBe("ready");
    const rerun = gh.requests.slice(second);
    expect(rerun.filter(isLabel)).toEqual([]);
    expect(rerun.filter((r) => r.method === "POST" && r.path === `${API}/issues/${pr!.number}/comments`)).toEqual([]);
    expect(rerun.filter((r) => r.method === "GET" && r.path === `${API}/issues/${pr!.number}/comments`)).toHaveLength(1);
    expect(rerun.filter((r) => r.method === "PATCH" && r.path === `${API}/issues/comments/${stats[0]!.id}`)).toHaveLength(1);
    const statsAfter = gh.comments(OWNER, REPO, pr!.number).filter((c) => c.body.includes(STATS_MARKER));
    expect(statsAfter).toHaveLength(1);
    expect(statsAfter[0]!.body).toMatch(/Run 2/);
    expect(gh.pullRequests(OWNER, REPO)).toHaveLength(1);
    expect(gh.violations).toEqual([]);
  });

  it("a PR a person opened from the branch meanwhile is updated, not doubled; a refused label and stats comment are warnings and the PR stands", async () => {
    world = await startIssueWorld();
    const gh = world.github;
    scriptHelperStory(world.model, await currentStrings(world), "shout", {
      reviewer: async () => {
        await gh.addIssue(OWNER, REPO, { number: 5, title: "WIP: shout", user: "alice", pull_request: { head: BRANCH } });
      },
    });
    gh.failNext("POST", `${API}/issues/5/labels`, 422);
    gh.failNext("POST", `${API}/issues/5/comments`, 422);

    const outcome = await world.run();

    expect(outcome.result, outcome.message).toBe("ready");
    expect(gh.pendingFaults()).toEqual([]);
    const prs = gh.pullRequests(OWNER, REPO);
    expect(prs).toHaveLength(1);
    expect(outcome.pullRequest?.number).toBe(5);
    expect(prs[0]!.body).toContain("Closes #1");
    expect(prs[0]!.title).toBe("Add shout(text)");
    expect(world.logs).toEqual(
      expect.arrayContaining([expect.stringMatching(/^warn: could not label #5/), expect.stringMatching(/^warn: could not write the stats comment on #5/)]),
    );
    expect(gh.comments(OWNER, REPO, 1).filter((c) => c.body.includes(STATUS_MARKER))[0]!.body).toMatch(/state=ready/);
    expect(gh.violations).toEqual([]);
  });
});
