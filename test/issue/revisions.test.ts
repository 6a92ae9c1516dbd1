import { afterEach, describe, expect, it } from "vitest";
import { STATS_MARKER } from "../../src/core/issue/stats-comment.js";
import type { WorkItem } from "../../src/core/work/work-item.js";
import { textAnswer, toolAnswer } from "../support/scripted-model.js";
import { BRANCH, currentStrings, OWNER, REPO, scriptHelperStory, startIssueWorld, type IssueWorld } from "../reliability/issue-world.js";

/**
 * The PR as a conversation (issue 8), end to end in-process: runWorkItem with the Octokit forge against
 * the GitHub stand-in (REST checked against GitHub's OpenAPI, GraphQL against its schema, real git) and
 * the scripted OpenAI-protocol model.
 */
let world: IssueWorld;
afterEach(async () => {
  expect(world.github.violations).toEqual([]);
  await world.close();
});

const label = (sender = "alice"): WorkItem => ({ kind: "issue", issue: 1, trigger: { type: "label", sender } });
const approve = toolAnswer("reviewer", { verdict: "approve", comments: [] });

/** The first run: a ready PR on codegen-crew/issue-1 with `shout`. */
async function firstDraft(): Promise<number> {
  world = await startIssueWorld();
  scriptHelperStory(world.model, await currentStrings(world), "shout");
  const first = await world.runItem(label());
  expect(first.result, first.message).toBe("ready");
  expect(first.mode).toBe("new");
  expectPublishedInOrder(first.pullRequest!.number);
  return first.pullRequest!.number;
}

/**
 * Issue 9 §3, observed at the stand-in: once the push starts, no progress edit of the status comment is
 * sent before the PR is created; after it, the label, the stats comment and exactly one status edit (the
 * final state, the one the issue keeps) follow.
 */
function expectPublishedInOrder(pr: number): void {
  const requests = world.github.requests;
  const status = world.github.comments(OWNER, REPO, 1).find((c) => c.body.includes("codegen-crew:status"))!;
  const push = requests.findIndex((r) => r.kind === "git" && r.query.service === "git-receive-pack");
  const create = requests.findIndex((r) => r.method === "POST" && r.path === `/repos/${OWNER}/${REPO}/pulls`);
  const edits = requests.flatMap((r, i) => (r.method === "PATCH" && r.path.endsWith(`/issues/comments/${status.id}`) ? [i] : []));
  expect(push).toBeGreaterThan(-1);
  expect(create).toBeGreaterThan(push);
  expect(edits.filter((i) => i > push && i < create)).toEqual([]);
  const finalEdits = edits.filter((i) => i > create);
  expect(finalEdits).toHaveLength(1);
  expect((requests[finalEdits[0]!]!.body as { body: string }).body).toBe(status.body);
  expect(status.body).toMatch(/state=ready/);
  const label = requests.findIndex((r) => r.method === "POST" && r.path.endsWith(`/issues/${pr}/labels`));
  const stats = requests.findIndex((r) => r.method === "POST" && r.path.endsWith(`/issues/${pr}/comments`));
  expect(label).toBeGreaterThan(create);
  expect(stats).toBeGreaterThan(create);
}

function statsComment(pr: number): string {
  return world.github.comments(OWNER, REPO, pr).find((c) => c.body.includes(STATS_MARKER))!.body;
}

// Each case runs the crew twice against real git and real tests: slow on a busy machine, so a wider limit.
describe("revisions of the bot's pull request", { timeout: 240_000 }, () => {
  it("a relabel when the branch already does the job: ready, the same PR, its body and stats updated, no new commit", async () => {
    const pr = await firstDraft();
    const head = await world.github.branchHead(OWNER, REPO, BRANCH);
    world.model
      .on("debugger", toolAnswer("debugger", { summary: "Nothing to change", files: [], responses: [{ item: 1, reply: "The branch already adds shout." }] }))
      .on("reviewer", approve);

    const second = await world.runItem(label());

    world.model.assertComplete();
    expect(second).toMatchObject({ result: "ready", mode: "revision", branch: BRANCH, pullRequest: { number: pr } });
    expect(second.message).toMatch(/^nothing more to change: the branch already does what was asked; the checks pass/);
    expect(await world.github.branchHead(OWNER, REPO, BRANCH)).toBe(head);
    expect(world.github.pullRequests(OWNER, REPO)).toHaveLength(1);
    // The description the first run wrote stays; the validation table is the new run's.
    const body = world.github.issue(OWNER, REPO, pr).body ?? "";
    expect(body).toMatch(/^Adds `shout`\./);
    expect(body).toMatch(/\| test \| `[^`]+` \| pass \|/);
    const stats = statsComment(pr);
    expect(stats).toMatch(/Across this PR's life: \*\*2 runs\*\*/);
    expect(stats).toMatch(/#### Run 1 — first draft \(first draft\): ready/);
    expect(stats).toMatch(/#### Run 2 — revision \(label added again by @alice\): ready/);
    const status = world.github.comments(OWNER, REPO, 1).filter((c) => c.body.includes("codegen-crew:status"));
    expect(status).toHaveLength(1);
    expect(status[0]!.body).toMatch(/revised the pull request[\s\S]*Started by label added by @alice/);
  });

  it("a relabel after a person pushed to the branch builds on their commit and keeps their file", async () => {
    await firstDraft();
    const theirs = await world.github.commitFiles(OWNER, REPO, BRANCH, { "NOTES.md": "Notes by a person.\n" }, "docs: notes by a person");
    const strings = (await world.github.readFile(OWNER, REPO, BRANCH, "src/strings.js"))!;
    world.model
      .on(
        "debugger",
        toolAnswer("debugger", {
          summary: "Trim before shouting",
          files: [{ path: "src/strings.js", content: strings.replace("return text.toUpperCase()", "return text.trim().toUpperCase()") }],
        }),
      )
      .on("reviewer", approve)
      .on("summarizer", toolAnswer("summarizer", { title: "Add shout(text)", body: "Adds shout, trimming first." }));

    const second = await world.runItem(label());

    expect(second.result, second.message).toBe("ready");
    const log = (await world.github.gitLog(OWNER, REPO, BRANCH)).map((c) => c.sha);
    expect(log).toContain(theirs);
    expect(log[0]).not.toBe(theirs);
    expect(await world.github.readFile(OWNER, REPO, BRANCH, "NOTES.md")).toBe("Notes by a person.\n");
    expect(await world.github.readFile(OWNER, REPO, BRANCH, "src/strings.js")).toContain("text.trim().toUpperCase()");
  });

  it("a changes-requested review with two inline comments: one revision, one commit, a reply in each thread, review re-requested, two stats sections", async () => {
    const pr = await firstDraft();
    const strings = (await world.github.readFile(OWNER, REPO, BRANCH, "src/strings.js"))!;
    const lines = strings.split("\n");
    const at = (needle: string) => lines.findIndex((l) => l.includes(needle)) + 1;
    const review = await world.github.submitReview(OWNER, REPO, pr, {
      user: "alice",
      event: "REQUEST_CHANGES",
      body: "Two small things.",
      comments: [
        { path: "src/strings.js", line: at("export function shout"), body: "Trim the text first." },
        { path: "src/strings.js", line: at('return text.toUpperCase() + "!"'), body: "Use two bangs." },
      ],
    });
    const before = (await world.github.gitLog(OWNER, REPO, BRANCH)).length;
    world.model
      .on("debugger", (request) => {
        const prompt = JSON.stringify(request.body["messages"]);
        // Both inline comments arrive in one request, with the diff they point at.
        expect(prompt).toContain("Trim the text first.");
        expect(prompt).toContain("Use two bangs.");
        expect(prompt).toContain("@@ ");
        return (
          toolAnswer("debugger", {
            summary: "Trim, and two bangs",
            files: [
              { path: "src/strings.js", content: strings.replace('return text.toUpperCase() + "!"', 'return text.trim().toUpperCase() + "!!"') },
              {
                path: "test/shout.test.js",
                content:
                  'import { test } from "node:test";\nimport assert from "node:assert/strict";\nimport { shout } from "../src/strings.js";\n\ntest("shout trims and adds two bangs", () => {\n  assert.equal(shout(" hi "), "HI!!");\n});\n',
              },
            ],
            responses: [
              { item: 1, reply: "Both done." },
              { item: 2, reply: "Trimmed first, @bob." },
              { item: 3, reply: "Two bangs now." },
            ],
          }) as (r: typeof request) => ReturnType<typeof textAnswer>
        )(request);
      })
      .on("reviewer", approve)
      .on("summarizer", toolAnswer("summarizer", { title: "Add shout(text)", body: "Adds shout: trimmed, two bangs." }));

    const item: WorkItem = { kind: "revision", issue: 1, pr, trigger: { type: "review", sender: "alice", reviewId: review.review.id, url: review.payload.review.html_url } };
    const outcome = await world.runItem(item);

    world.model.assertComplete();
    expect(outcome.result, outcome.message).toBe("ready");
    expect(outcome.mode).toBe("revision");
    const log = await world.github.gitLog(OWNER, REPO, BRANCH);
    expect(log).toHaveLength(before + 1);
    const sha = log[0]!.sha.slice(0, 7);
    const threads = world.github.reviewComments(OWNER, REPO, pr).filter((c) => c.inReplyTo !== undefined);
    expect(threads.map((c) => [c.inReplyTo, c.body.split("\n")[0]])).toEqual([
      [review.comments[0]!.id, `Revised in ${sha}: Trimmed first, @\u200bbob.`],
      [review.comments[1]!.id, `Revised in ${sha}: Two bangs now.`],
    ]);
    expect(world.github.comments(OWNER, REPO, pr).some((c) => c.body.startsWith(`@alice Revised in ${sha}: Both done.`))).toBe(true);
    expect(await world.github.readFile(OWNER, REPO, BRANCH, "src/strings.js")).toContain('text.trim().toUpperCase() + "!!"');
    const stats = statsComment(pr);
    expect(stats).toMatch(/\*\*2 runs\*\*/);
    expect(stats).toMatch(/#### Run 2 — revision \(review by @alice \(changes requested\)\): ready/);
    const pull = world.github.state.repo(OWNER, REPO)!.issues.get(pr)!.pullRequest!;
    expect(pull.requestedReviewers).toEqual(["alice"]);
  });

  it("a /codegen command from a read-only collaborator is refused with one reply and no model call", async () => {
    const pr = await firstDraft();
    const calls = world.model.requests.length;
    const outcome = await world.runItem({
      kind: "revision",
      issue: 1,
      pr,
      trigger: { type: "command", sender: "mallory", commentId: 1, instruction: "delete everything", url: "https://example.invalid/c/1" },
    });
    expect(outcome.result).toBe("skipped");
    expect(world.model.requests.length).toBe(calls);
    const replies = world.github.comments(OWNER, REPO, pr).filter((c) => c.body.includes("@mallory"));
    expect(replies.map((c) => c.body)).toEqual(["@mallory: codegen-crew only acts for people with write access to this repository."]);
  });

  it("two runs started together on one issue: one does the work, the other is skipped and names it", async () => {
    world = await startIssueWorld();
    scriptHelperStory(world.model, await currentStrings(world), "shout");
    const [a, b] = await Promise.all([world.runItem(label(), { holder: "workflow run A" }), world.runItem(label(), { holder: "workflow run B" })]);

    const results = [a, b].map((o) => o.result).sort();
    expect(results).toEqual(["ready", "skipped"]);
    const skipped = [a, b].find((o) => o.result === "skipped")!;
    expect(skipped.message).toMatch(/^workflow run [AB] \(started .*\) is already working on #1; this run stops and changes nothing$/);
    expect(world.github.pullRequests(OWNER, REPO)).toHaveLength(1);
    // The lock is released at the end: a later run can take it.
    expect(await world.github.branchHead(OWNER, REPO, "refs/codegen-crew/locks/issue-1")).toBeUndefined();
  });

  it("a draft PR becomes ready after a successful revision (GraphQL markPullRequestReadyForReview)", async () => {
    const pr = await firstDraft();
    world.github.state.repo(OWNER, REPO)!.issues.get(pr)!.pullRequest!.draft = true; // a person converted it to draft
    world.model.on("debugger", toolAnswer("debugger", { summary: "Nothing to change", files: [] })).on("reviewer", approve);

    const outcome = await world.runItem(label());

    expect(outcome.result).toBe("ready");
    expect(world.github.draftMutations.map((m) => m.mutation)).toEqual(["markPullRequestReadyForReview"]);
    expect(world.github.state.repo(OWNER, REPO)!.issues.get(pr)!.pullRequest!.draft).toBe(false);
    expect(outcome.pullRequest?.draft).toBe(false);
    expect(statsComment(pr)).toMatch(/PR marked ready for review/);
  });
});
