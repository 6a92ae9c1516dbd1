import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ForgeError, type ForgeClient } from "../../src/core/forge/forge-client.js";
import { createGitHubOctokit, createOctokitForge, graphqlUrl } from "../../src/github/octokit-forge.js";
import { startGitHubServer, type GitHubServer } from "../support/github-server.js";

const OWNER = "acme";
const REPO = "widgets";
const BRANCH = "codegen-crew/issue-7";
const run = promisify(execFile);

let github: GitHubServer;
let forge: ForgeClient;

beforeEach(async () => {
  github = await startGitHubServer({ tokens: ["ghs_writer", { token: "ghs_reader", readOnly: true, login: "reader-bot[bot]" }] });
  await github.addRepo(OWNER, REPO, {
    files: { "README.md": "# widgets\n", "src/strings.ts": "export const trim = (s: string) => s.trim();\n" },
    permissions: { alice: "write", mallory: "read" },
  });
  await github.addIssue(OWNER, REPO, { number: 7, title: "Pad strings", body: "Add pad().", labels: ["codegen"], user: "alice" });
  // Octokit's write pacing shrunk (1 s per write, 3 s per comment in production): the stand-in has no abuse limits.
  forge = createOctokitForge(createGitHubOctokit({ baseUrl: github.apiUrl, token: "ghs_writer", pacing: { retryUnitMs: 5, writeIntervalMs: 0 } }), OWNER, REPO);
});

afterEach(async () => {
  expect(github.violations).toEqual([]);
  expect(github.responseViolations).toEqual([]);
  await github.close();
});

/** The bot's branch with a four-line file, and its pull request (#8). */
async function openBotPullRequest(draft = false) {
  await github.commitFiles(OWNER, REPO, BRANCH, { "src/pad.ts": "export function pad(s: string, n: number) {\n  return s.padStart(n);\n}\nexport const PAD = ' ';\n" }, "Add pad");
  return forge.createPullRequest({ title: "Pad strings", body: "Closes #7", head: BRANCH, base: "main", draft });
}

describe("Octokit forge against the GitHub stand-in: comments", () => {
  it("reads every page of a busy issue's comments (150 of them), in order, with who wrote them", async () => {
    for (let index = 1; index <= 149; index++) github.addComment(OWNER, REPO, 7, { body: `comment ${index}`, user: "alice" });
    github.addComment(OWNER, REPO, 7, { body: "<!-- codegen-crew:status --> working", user: "codegen-crew[bot]" });

    const comments = await forge.listIssueComments(7);

    expect(comments).toHaveLength(150);
    expect(comments.map((comment) => comment.body).slice(0, 2)).toEqual(["comment 1", "comment 2"]);
    expect(comments.at(-1)).toMatchObject({ author: "codegen-crew[bot]", authorType: "Bot", body: "<!-- codegen-crew:status --> working" });
    expect(comments[0]).toMatchObject({ author: "alice", authorType: "User", htmlUrl: expect.stringContaining(`/issues/7#issuecomment-${comments[0]?.id}`) });
    const pages = github.requests.filter((request) => request.operationId === "issues/list-comments").map((request) => request.query);
    expect(pages).toEqual([
      { per_page: "100", page: "1" },
      { per_page: "100", page: "2" },
    ]);
  });

  it("honours per_page and links the pages like GitHub", async () => {
    for (let index = 1; index <= 5; index++) github.addComment(OWNER, REPO, 7, { body: `c${index}` });
    const response = await fetch(`${github.apiUrl}/repos/${OWNER}/${REPO}/issues/7/comments?per_page=2&page=2`, { headers: { authorization: "token ghs_writer" } });
    expect(((await response.json()) as Array<{ body: string }>).map((comment) => comment.body)).toEqual(["c3", "c4"]);
    const link = response.headers.get("link") ?? "";
    expect(link).toContain('page=3>; rel="next"');
    expect(link).toContain('page=3>; rel="last"');
    expect(link).toContain('page=1>; rel="prev"');
  });

  it("comments and reacts on a pull request as on an issue, and reacts to a comment", async () => {
    const pr = await openBotPullRequest();
    const commentId = await forge.createComment(pr.number, "Revision started");
    await forge.addCommentReaction(commentId, "eyes");
    await forge.addCommentReaction(commentId, "eyes"); // a repeat is not a second reaction
    await forge.addReaction(pr.number, "rocket");
    const [comment] = await forge.listIssueComments(pr.number);
    expect(comment).toMatchObject({ id: commentId, author: "github-actions[bot]", authorType: "Bot", htmlUrl: expect.stringContaining(`/pull/${pr.number}#issuecomment-`) });
    expect(github.comments(OWNER, REPO, pr.number)[0]?.reactions.map((reaction) => reaction.content)).toEqual(["eyes"]);
    expect((await forge.getIssue(pr.number)).isPullRequest).toBe(true);
  });
});

describe("Octokit forge against the GitHub stand-in: what the app's reconciler reads", () => {
  it("lists the open issues carrying a label (pull requests flagged) and who applied it", async () => {
    await github.addIssue(OWNER, REPO, { number: 9, title: "Closed one", labels: ["codegen"], state: "closed" });
    await github.addIssue(OWNER, REPO, { number: 10, title: "Other label", labels: ["bug"] });
    const pr = await openBotPullRequest();
    await forge.addLabels(pr.number, ["Codegen"]);
    github.unlabelIssue(OWNER, REPO, 7, "codegen", "bob");
    github.labelIssue(OWNER, REPO, 7, "codegen", "carol");

    const open = await forge.listOpenIssuesWithLabel("codegen");
    expect(open.map((issue) => [issue.number, issue.isPullRequest]).sort(([a], [b]) => Number(a) - Number(b))).toEqual([
      [7, false],
      [pr.number, true],
    ]);
    expect(await forge.listLabelEvents(7)).toEqual([
      { event: "labeled", label: "codegen", actor: "alice" },
      { event: "unlabeled", label: "codegen", actor: "bob" },
      { event: "labeled", label: "codegen", actor: "carol" },
    ]);
  });
});

describe("Octokit forge against the GitHub stand-in: reviews", () => {
  it("reads a submitted review with its inline comments, replies in each thread and re-requests review", async () => {
    const pr = await openBotPullRequest();
    const submitted = await github.submitReview(OWNER, REPO, pr.number, {
      user: "alice",
      event: "REQUEST_CHANGES",
      body: "Two things.",
      comments: [
        { path: "src/pad.ts", line: 2, body: "Handle empty strings" },
        { path: "src/pad.ts", line: 4, body: "Export this from the index too" },
      ],
    });
    expect(submitted.payload).toMatchObject({
      action: "submitted",
      review: { id: submitted.review.id, state: "changes_requested", body: "Two things.", user: { login: "alice", type: "User" } },
      pull_request: { number: pr.number, head: { ref: BRANCH }, base: { ref: "main" } },
      sender: { login: "alice" },
      repository: { full_name: `${OWNER}/${REPO}` },
    });
    expect(submitted.payload.pull_request.html_url).toBe(pr.htmlUrl);

    const review = await forge.getReview(pr.number, submitted.review.id);
    expect(review).toMatchObject({ author: "alice", authorType: "User", state: "CHANGES_REQUESTED", body: "Two things." });
    const inline = await forge.listReviewComments(pr.number, review.id);
    expect(inline.map((comment) => [comment.path, comment.line, comment.body, comment.reviewId, comment.inReplyTo])).toEqual([
      ["src/pad.ts", 2, "Handle empty strings", review.id, null],
      ["src/pad.ts", 4, "Export this from the index too", review.id, null],
    ]);
    // GitHub's diff_hunk runs from the hunk header down to the commented line.
    expect(inline[0]?.diffHunk).toBe("@@ -0,0 +1,4 @@\n+export function pad(s: string, n: number) {\n+  return s.padStart(n);");

    const [first, second] = inline;
    if (!first || !second) throw new Error("two inline comments expected");
    const replyId = await forge.replyToReviewComment(pr.number, first.id, "Done in abc1234: empty strings return the padding.");
    await forge.replyToReviewComment(pr.number, first.id, "And a test covers it.");
    // GitHub does not support replies to replies: a thread is answered through its top comment.
    await expect(forge.replyToReviewComment(pr.number, replyId, "nested")).rejects.toMatchObject({ status: 422 });
    await forge.addReviewCommentReaction(second.id, "+1");
    await forge.requestReviewers(pr.number, ["alice"]);

    const thread = await forge.listPullRequestComments(pr.number);
    expect(thread.map((comment) => [comment.body, comment.inReplyTo, comment.author])).toEqual([
      ["Handle empty strings", null, "alice"],
      ["Export this from the index too", null, "alice"],
      ["Done in abc1234: empty strings return the padding.", first.id, "github-actions[bot]"],
      ["And a test covers it.", first.id, "github-actions[bot]"],
    ]);
    expect(thread[2]).toMatchObject({ path: "src/pad.ts", line: 2, authorType: "Bot" });
    expect(github.reviewComments(OWNER, REPO, pr.number)[1]?.reactions.map((reaction) => reaction.content)).toEqual(["+1"]);
    expect((await forge.getPullRequest(pr.number)).requestedReviewers).toEqual(["alice"]);
    // Each API reply is its own one-comment COMMENTED review, as on GitHub (and it fires pull_request_review too).
    expect(github.reviews(OWNER, REPO, pr.number).map((entry) => [entry.user, entry.state])).toEqual([
      ["alice", "CHANGES_REQUESTED"],
      ["github-actions[bot]", "COMMENTED"],
      ["github-actions[bot]", "COMMENTED"],
    ]);
    const botReply = github.reviews(OWNER, REPO, pr.number)[1];
    expect(github.reviewSubmittedPayload(OWNER, REPO, botReply?.id ?? 0)).toMatchObject({
      sender: { login: "github-actions[bot]", type: "Bot" },
      review: { state: "commented", body: null },
    });

    // Submitting a review takes the reviewer off the requested list.
    await github.submitReview(OWNER, REPO, pr.number, { user: "alice", event: "APPROVE" });
    expect((await forge.getPullRequest(pr.number)).requestedReviewers).toEqual([]);
  });

  it("refuses what GitHub refuses: comments off the diff, reviews from non-collaborators' requests", async () => {
    const pr = await openBotPullRequest();
    await expect(github.submitReview(OWNER, REPO, pr.number, { user: "alice", event: "COMMENT", comments: [{ path: "README.md", line: 1, body: "?" }] })).rejects.toThrow(
      /Unprocessable/,
    );
    await expect(github.submitReview(OWNER, REPO, pr.number, { user: "alice", event: "REQUEST_CHANGES" })).rejects.toThrow(/Unprocessable/);
    const refused = await forge.requestReviewers(pr.number, ["stranger"]).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ForgeError);
    expect(refused).toMatchObject({ status: 422, operation: `request review on PR #${pr.number}` });
    const missing = await forge.replyToReviewComment(pr.number, 424242, "hello").catch((error: unknown) => error);
    expect(missing).toMatchObject({ status: 404 });
  });

  it("reports a bot reviewer as a Bot, in the API and in the webhook", async () => {
    const pr = await openBotPullRequest();
    github.addUser("lint-robot", "Bot");
    github.setPermission(OWNER, REPO, "lint-robot", "write");
    const submitted = await github.submitReview(OWNER, REPO, pr.number, { user: "lint-robot", event: "COMMENT", body: "Style nits" });
    expect(await forge.getReview(pr.number, submitted.review.id)).toMatchObject({ author: "lint-robot", authorType: "Bot", state: "COMMENTED" });
    expect(submitted.payload.sender).toMatchObject({ login: "lint-robot", type: "Bot" });
    expect(submitted.payload.review.user).toMatchObject({ login: "lint-robot", type: "Bot" });
  });

  it("lists the pull requests of a branch, open or closed, with the details a revision needs", async () => {
    const pr = await openBotPullRequest(true);
    const [listed] = await forge.listPullRequestsForBranch(BRANCH, "all");
    const fetched = await forge.getPullRequest(pr.number);
    expect(fetched).toMatchObject({ number: pr.number, draft: true, state: "open", merged: false, head: BRANCH, base: "main", author: "github-actions[bot]", body: "Closes #7" });
    expect(fetched.headSha).toBe(await github.branchHead(OWNER, REPO, BRANCH));
    expect(fetched.nodeId).toMatch(/^PR_/);
    expect(listed).toEqual(fetched);
    expect(await forge.listPullRequestsForBranch("other", "all")).toEqual([]);
    expect(await forge.listPullRequestsForBranch(BRANCH, "closed")).toEqual([]);
  });
});

describe("Octokit forge against the GitHub stand-in: the run lock's Git Data calls", () => {
  const LOCK = "refs/codegen-crew/locks/issue-7";

  it("creates a lock ref once (the second create is refused), as a real ref pointing at a real tag", async () => {
    const main = await forge.getBranchSha("main");
    expect(main).toMatch(/^[0-9a-f]{40}$/);
    expect(await forge.getBranchSha("no-such-branch")).toBeNull();
    const tag = await forge.createTag({ tag: "codegen-crew-lock-issue-7", message: "run 42 until 2026-12-02T04:00:00Z", object: main ?? "" });
    expect(tag.message).toBe("run 42 until 2026-12-02T04:00:00Z\n");
    expect(Date.parse(tag.date)).not.toBeNaN();

    expect(await forge.getRef(LOCK)).toBeNull();
    expect(await forge.createRef(LOCK, tag.sha)).toBe(true);
    expect(await forge.createRef(LOCK, tag.sha)).toBe(false);
    expect(await forge.getRef(LOCK)).toEqual({ sha: tag.sha, type: "tag" });
    expect(await forge.getTag(tag.sha)).toEqual(tag);

    // A real annotated tag: ls-remote lists the ref and its peeled commit.
    const { stdout } = await run("git", ["ls-remote", github.cloneUrl(OWNER, REPO, "ghs_writer"), "refs/codegen-crew/*"]);
    expect(stdout).toBe(`${tag.sha}\t${LOCK}\n${main}\t${LOCK}^{}\n`);

    await forge.deleteRef(LOCK);
    expect(await forge.getRef(LOCK)).toBeNull();
    expect(await forge.createRef(LOCK, tag.sha)).toBe(true);
  });

  it("two concurrent creates of one lock: exactly one wins", async () => {
    const main = (await forge.getBranchSha("main")) ?? "";
    const results = await Promise.all([forge.createRef(LOCK, main), forge.createRef(LOCK, main), forge.createRef(LOCK, main)]);
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it("fails a lock on a missing object or a bad name with a ForgeError, not a lost race", async () => {
    await expect(forge.createRef(LOCK, "0123456789abcdef0123456789abcdef01234567")).rejects.toMatchObject({ status: 422, operation: `create ref ${LOCK}` });
    await expect(forge.createRef("refs/lock", (await forge.getBranchSha("main")) ?? "")).rejects.toBeInstanceOf(ForgeError);
    await expect(forge.deleteRef(LOCK)).rejects.toMatchObject({ status: 422 });
  });
});

describe("Octokit forge against the GitHub stand-in: draft state over GraphQL", () => {
  it("marks a draft ready and converts it back, through GHES' /api/graphql", async () => {
    const pr = await openBotPullRequest(true);
    const details = await forge.getPullRequest(pr.number);
    await forge.setDraft(details, false);
    expect((await forge.getPullRequest(pr.number)).draft).toBe(false);
    await forge.setDraft(details, true);
    expect((await forge.getPullRequest(pr.number)).draft).toBe(true);
    expect(github.draftMutations).toEqual([
      { mutation: "markPullRequestReadyForReview", owner: OWNER, repo: REPO, pullNumber: pr.number, draft: false, login: "github-actions[bot]" },
      { mutation: "convertPullRequestToDraft", owner: OWNER, repo: REPO, pullNumber: pr.number, draft: true, login: "github-actions[bot]" },
    ]);
    expect(github.requests.filter((request) => request.kind === "graphql").map((request) => request.path)).toEqual(["/api/graphql", "/api/graphql"]);
  });

  it("rejects a query GitHub's schema rejects, an unknown node, and an anonymous caller, in GitHub's shape", async () => {
    const post = async (body: unknown, token = "ghs_writer") => {
      const response = await fetch(github.graphqlUrl, {
        method: "POST",
        headers: { "content-type": "application/json", ...(token ? { authorization: `bearer ${token}` } : {}) },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as { data?: unknown; errors?: Array<{ message: string; type?: string }> } };
    };
    const misspelt = await post({ query: "mutation($id: ID!) { markPullRequestReady(input: { pullRequestId: $id }) { pullRequest { isDraft } } }", variables: { id: "x" } });
    expect(misspelt.status).toBe(200);
    expect(misspelt.body.errors?.[0]?.message).toMatch(/Cannot query field "markPullRequestReady" on type "Mutation"/);
    const wrongArgument = await post({ query: 'mutation { convertPullRequestToDraft(input: { id: "x" }) { clientMutationId } }' });
    expect(wrongArgument.body.errors?.length).toBeGreaterThan(0);
    const syntax = await post({ query: "mutation {" });
    expect(syntax.body.errors?.[0]?.message).toMatch(/Syntax Error/);
    const valid = await post({ query: "{ viewer { login } }" });
    expect(valid.body.errors?.[0]?.type).toBe("NOT_SERVED");

    await expect(forge.setDraft({ nodeId: "PR_nothing" }, false)).rejects.toThrow(/Could not resolve to a node/);
    expect((await post({ query: "{ viewer { login } }" }, "")).status).toBe(401);
    expect(github.draftMutations).toEqual([]);
  });

  it("finds the GraphQL endpoint that goes with the REST base URL", () => {
    expect(graphqlUrl("https://api.github.com")).toBe("https://api.github.com/graphql");
    expect(graphqlUrl("https://ghe.example.com/api/v3/")).toBe("https://ghe.example.com/api/graphql");
    expect(graphqlUrl("http://127.0.0.1:4000/api/v3")).toBe("http://127.0.0.1:4000/api/graphql");
  });
});
