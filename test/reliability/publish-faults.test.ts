import { afterEach, describe, expect, it } from "vitest";
import { STATS_MARKER } from "../../src/core/issue/stats-comment.js";
import { STATUS_MARKER } from "../../src/core/issue/status-comment.js";
import {
  BRANCH,
  currentStrings,
  everythingPublished,
  expectNoSecretsIn,
  type IssueWorld,
  OWNER,
  REPO,
  RUN_TIMEOUT,
  scriptHelperStory,
  scriptRevisionStory,
  startIssueWorld,
} from "./issue-world.js";

/**
 * Faults on the publish path, through runIssue and the Octokit forge against the GitHub stand-in. Every case
 * ends in one correct PR or a failure that says what failed; never a second PR, status or stats comment.
 */
let world: IssueWorld;
afterEach(async () => world?.close());

const statusComments = (w: IssueWorld) => w.github.comments(OWNER, REPO, 1).filter((c) => c.body.includes(STATUS_MARKER));
const SECONDARY_LIMIT = { message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.", documentation_url: "https://docs.github.com/rest" };

describe("faults on the publish path", RUN_TIMEOUT, () => {
  it("a 502 on every kind of write (the run lock and comments after GitHub performed them) and a secondary rate limit: one PR, one status and one stats comment", async () => {
    world = await startIssueWorld();
    scriptHelperStory(world.model, await currentStrings(world), "shout");
    const gh = world.github;
    gh.failNext("POST", "/repos/{owner}/{repo}/git/refs", 502, { performFirst: true }); // the run lock
    gh.failNext("POST", "/repos/{owner}/{repo}/issues/{issue_number}/reactions", 502);
    gh.failNext("POST", "/repos/{owner}/{repo}/issues/1/comments", 502, { performFirst: true }); // the status comment
    gh.failNext("PATCH", "/repos/{owner}/{repo}/issues/comments/{comment_id}", 502, { performFirst: true });
    gh.failNext("POST", /\/git-receive-pack$/, 502);
    gh.failNext("POST", "/repos/{owner}/{repo}/pulls", 502, { performFirst: true });
    gh.failNext("POST", "/repos/{owner}/{repo}/issues/{issue_number}/labels", 403, { body: SECONDARY_LIMIT, headers: { "retry-after": "1" } });
    gh.failNext("POST", /^\/repos\/[^/]+\/[^/]+\/issues\/(?!1\/)\d+\/comments$/, 502, { performFirst: true }); // the stats comment on the PR

    const outcome = await world.run();

    expect(outcome.result, outcome.message).toBe("ready");
    expect(gh.pendingFaults()).toEqual([]);
    const prs = gh.pullRequests(OWNER, REPO);
    expect(prs).toHaveLength(1);
    expect(outcome.pullRequest?.number).toBe(prs[0]!.number);
    expect(prs[0]!.labels).toContain("codegen-crew");
    expect(await gh.readFile(OWNER, REPO, BRANCH, "test/shout.test.js")).toContain("shout");
    expect(statusComments(world)).toHaveLength(1);
    expect(statusComments(world)[0]!.body).toMatch(/state=ready/);
    expect(gh.comments(OWNER, REPO, prs[0]!.number).filter((c) => c.body.includes(STATS_MARKER))).toHaveLength(1);
    expect(gh.violations).toEqual([]);
    expect(expectNoSecretsIn(await everythingPublished(world))).toEqual([]);
  });

  it("a PR create that keeps failing ends as a truthful failure, and the next run opens the one PR", async () => {
    world = await startIssueWorld();
    scriptHelperStory(world.model, await currentStrings(world), "shout");
    world.github.failNext("POST", "/repos/{owner}/{repo}/pulls", 502, 10);

    const first = await world.run();

    expect(first.result).toBe("failed");
    expect(first.message).toMatch(/create pull request.*(502|Server Error)/);
    expect(world.github.pullRequests(OWNER, REPO)).toHaveLength(0);
    expect(statusComments(world)).toHaveLength(1);
    expect(statusComments(world)[0]!.body).toMatch(/state=failed/);
    expect(statusComments(world)[0]!.body).toMatch(/create pull request/);

    world.github.pendingFaults().forEach((fault) => (fault.remaining = 0));
    // The first run pushed the branch, so the next one revises it (the debugger revises).
    scriptRevisionStory(world.model, await currentStrings(world), "whisper");
    const second = await world.run();

    expect(second.result, second.message).toBe("ready");
    expect(world.github.pullRequests(OWNER, REPO)).toHaveLength(1);
    expect(statusComments(world)).toHaveLength(1);
  });

  it("the issue locked and the default branch renamed while the crew works: the PR targets the new default", async () => {
    world = await startIssueWorld();
    scriptHelperStory(world.model, await currentStrings(world), "shout", {
      reviewer: async () => {
        world.github.issue(OWNER, REPO, 1).locked = true;
        await world.github.renameBranch(OWNER, REPO, "main", "trunk");
      },
    });

    const outcome = await world.run();

    // People with write access (the bot included) can still comment on a locked issue, so the run finishes.
    expect(outcome.result, outcome.message).toBe("ready");
    const prs = world.github.pullRequests(OWNER, REPO);
    expect(prs).toHaveLength(1);
    expect(prs[0]!.pullRequest!.baseRef).toBe("trunk");
    expect(statusComments(world)[0]!.body).toMatch(/state=ready/);
    expect(world.github.violations).toEqual([]);
  });

  it("the issue deleted while the crew works: no PR for an issue that is gone, and the run says so", async () => {
    world = await startIssueWorld();
    scriptHelperStory(world.model, await currentStrings(world), "shout", {
      reviewer: () => {
        const repo = world.github.state.repo(OWNER, REPO)!;
        repo.issues.delete(1);
        for (const [id, comment] of repo.comments) if (comment.issueNumber === 1) repo.comments.delete(id);
      },
    });

    const outcome = await world.run();

    expect(outcome.result).toBe("failed");
    expect(outcome.message).toMatch(/#1/);
    expect(outcome.message).toMatch(/not found|deleted|no longer exists/i);
    expect(world.github.pullRequests(OWNER, REPO)).toHaveLength(0);
  });

  it("the issue deleted, or locked, before the run: a clear refusal and no write; a busy issue's status comment is found again", async () => {
    world = await startIssueWorld({ files: { ".github/codegen-crew.yml": "max_rounds: many\n" } });
    await world.github.addIssue(OWNER, REPO, { number: 2, title: "locked", user: "alice", locked: true });
    const locked = await world.run({ issue: 2 });
    expect(locked).toMatchObject({ result: "failed", message: expect.stringMatching(/issue #2 is locked/) });
    const missing = await world.run({ issue: 7 });
    expect(missing).toMatchObject({ result: "failed", message: expect.stringMatching(/issue #7 was not found/) });
    expect(world.github.requests.filter((r) => r.kind === "api" && r.method !== "GET")).toEqual([]);
    expect(world.model.requests).toHaveLength(0);

    // A busy issue: the earlier run's status comment is far past the first page of 100 comments, and is edited, not repeated.
    await world.github.addIssue(OWNER, REPO, { number: 3, title: "busy", user: "alice" });
    for (let i = 0; i < 130; i++) world.github.addComment(OWNER, REPO, 3, { body: `comment ${i}`, user: "bob" });
    const earlier = world.github.addComment(OWNER, REPO, 3, { body: `${STATUS_MARKER}\n<!-- codegen-crew:state=failed started=1 -->\nearlier`, user: "github-actions[bot]" });
    const busy = await world.run({ issue: 3 });
    expect(busy).toMatchObject({ result: "failed", message: expect.stringMatching(/configuration is invalid/) });
    const statuses = world.github.comments(OWNER, REPO, 3).filter((c) => c.body.includes(STATUS_MARKER));
    expect(statuses.map((c) => c.id)).toEqual([earlier.id]);
    expect(statuses[0]!.body).toMatch(/state=failed started=(?!1 )/);
  });
});
