import { afterEach, describe, expect, it } from "vitest";
import { STATUS_MARKER } from "../../src/core/issue/status-comment.js";
import { BRANCH, currentStrings, OWNER, pushAsPerson, REPO, scriptHelperStory, scriptRevisionStory, startIssueWorld, type IssueWorld } from "./issue-world.js";

/**
 * Cases whose right outcome depends on how a second run on the same issue behaves (issue 8's revisions):
 * a person closed or merged the bot's PR between runs, or the first run was killed half-way. Each starts
 * from the state GitHub holds after the first run (built directly, so only the second run is real) and
 * asserts what a demanding user expects: never a second PR for one issue, never a silent drop, and a
 * message that tells the truth.
 */
let world: IssueWorld;
afterEach(async () => world?.close());

const BOT = "github-actions[bot]";
const MINUTE = 60_000;

/** What a finished (or killed) earlier run left on the issue. */
function statusComment(state: "ready" | "running", startedAt: number): string {
  return `${STATUS_MARKER}\n<!-- codegen-crew:state=${state} started=${startedAt} -->\n### earlier run\n`;
}

/** The bot's branch with one commit of the earlier run, as it pushed it. */
async function pushEarlierRun(w: IssueWorld): Promise<string> {
  const base = await currentStrings(w);
  return w.github.commitFiles(OWNER, REPO, BRANCH, { "src/strings.js": `${base.replace(/\n+$/, "")}\n\nexport const VERSION = "1";\n` }, "developer: add VERSION");
}

describe("a second run after a person acted on the first one's PR, or after a killed run", () => {
  it("the PR closed by a person: the relabelled run does not open a second PR for the issue", async () => {
    world = await startIssueWorld();
    await pushEarlierRun(world);
    const closed = await world.github.addIssue(OWNER, REPO, { title: "Add VERSION", body: "Closes #1", user: BOT, labels: ["codegen-crew"], pull_request: { head: BRANCH } });
    world.github.state.setState(closed, "closed");
    world.github.addComment(OWNER, REPO, 1, { body: statusComment("ready", Date.now() - 30 * MINUTE), user: BOT });
    scriptHelperStory(world.model, await currentStrings(world), "shout");

    const outcome = await world.run();

    const prs = world.github.pullRequests(OWNER, REPO);
    // One PR for the issue: the closed one reopened and updated, or, if the run leaves it closed, a failure that says so.
    expect(prs.map((pr) => pr.number)).toEqual([closed.number]);
    if (outcome.result === "failed") expect(outcome.message).toMatch(/closed/);
    else expect(world.github.issue(OWNER, REPO, closed.number).state).toBe("open");
    expect(world.github.comments(OWNER, REPO, 1).filter((c) => c.body.includes(STATUS_MARKER))).toHaveLength(1);
  });

  it("the PR merged by a person (branch deleted): the relabelled run starts over from the merge, and the merged PR is left alone", async () => {
    world = await startIssueWorld();
    const head = await pushEarlierRun(world);
    const merged = await world.github.addIssue(OWNER, REPO, { title: "Add VERSION", body: "Closes #1", user: BOT, labels: ["codegen-crew"], pull_request: { head: BRANCH } });
    // GitHub's merge: main moves to the branch's commit, the PR is closed as merged, the branch is deleted.
    await pushAsPerson(world, `origin/${BRANCH}:refs/heads/main`, `:refs/heads/${BRANCH}`);
    merged.pullRequest!.merged = true;
    world.github.state.setState(merged, "closed");
    world.github.addComment(OWNER, REPO, 1, { body: statusComment("ready", Date.now() - 30 * MINUTE), user: BOT });
    expect(await world.github.branchHead(OWNER, REPO, "main")).toBe(head);
    scriptHelperStory(world.model, await currentStrings(world), "shout");

    const outcome = await world.run();

    expect(outcome.result, outcome.message).toBe("ready");
    const open = world.github.pullRequests(OWNER, REPO).filter((pr) => pr.state === "open");
    expect(open).toHaveLength(1);
    expect(open[0]!.number).not.toBe(merged.number);
    expect(world.github.issue(OWNER, REPO, merged.number).body).toBe("Closes #1");
    // The new PR holds only the new work: the merged commit is already on main.
    const log = await world.github.gitLog(OWNER, REPO, BRANCH);
    expect(log.map((c) => c.sha)).toContain(head);
    expect(world.github.comments(OWNER, REPO, 1).filter((c) => c.body.includes(STATUS_MARKER))).toHaveLength(1);
  });

  it("a run killed after it pushed (its status comment says running, untouched for 20 minutes): the restart finishes the one PR", async () => {
    world = await startIssueWorld();
    const head = await pushEarlierRun(world);
    const stale = world.github.addComment(OWNER, REPO, 1, { body: statusComment("running", Date.now() - 20 * MINUTE), user: BOT });
    stale.createdAt = stale.updatedAt = new Date(Date.now() - 20 * MINUTE).toISOString().replace(/\.\d{3}Z$/, "Z");
    scriptRevisionStory(world.model, await currentStrings(world), "shout");

    const outcome = await world.run();

    // A killed run never comes back to finish; "another run is in progress" would be untrue, and a relabel
    // would be dropped for the staleness window (an hour). The branch exists, so the restart revises it.
    expect(outcome.result, outcome.message).toBe("ready");
    expect(outcome.mode).toBe("revision");
    const prs = world.github.pullRequests(OWNER, REPO);
    expect(prs).toHaveLength(1);
    expect((await world.github.gitLog(OWNER, REPO, BRANCH)).map((c) => c.sha)).toContain(head);
    const statuses = world.github.comments(OWNER, REPO, 1).filter((c) => c.body.includes(STATUS_MARKER));
    expect(statuses).toHaveLength(1);
    expect(statuses[0]!.body).toMatch(/state=ready/);
  });
});
