import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createGitHubOctokit, createOctokitForge } from "../../src/github/octokit-forge.js";
import { GITHUB_WRITE_LIMITS, WriteBucket, type PacingClock } from "../../src/github/write-pacing.js";
import { startGitHubServer, type GitHubServer } from "../support/github-server.js";

const OWNER = "acme";
const REPO = "widgets";
const TOKEN = "ghs_writer";
const SECONDARY_LIMIT = { message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.", documentation_url: "https://docs.github.com/rest" };

/**
 * A clock whose sleeps move time forward at once: the bucket's arithmetic over hours of writes, checked in
 * milliseconds. It records every sleep, so "nobody waited" is a count.
 */
function virtualClock(): PacingClock & { sleeps: number[] } {
  let now = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    async sleep(ms) {
      sleeps.push(ms);
      now += ms;
      await Promise.resolve();
    },
  };
}

/** The real clock, with every sleep recorded. */
function recordingClock(): PacingClock & { sleeps: number[] } {
  const sleeps: number[] = [];
  return { sleeps, now: () => Date.now(), sleep: (ms) => (sleeps.push(ms), new Promise((resolve) => setTimeout(resolve, ms))) };
}

function mostInAnyWindow(starts: number[], windowMs: number): number {
  let most = 0;
  for (let i = 0, j = 0; i < starts.length; i++) {
    while (starts[i]! - starts[j]! >= windowMs) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

describe("the write bucket (GitHub's secondary-limit guidance)", () => {
  it("lets a run's handful of writes start at once, then keeps to GitHub's 80 a minute and 500 an hour", async () => {
    const clock = virtualClock();
    const bucket = new WriteBucket(GITHUB_WRITE_LIMITS, clock);
    const starts: number[] = [];
    await Promise.all(Array.from({ length: 700 }, () => bucket.take().then(() => starts.push(clock.now()))));

    expect(starts).toHaveLength(700);
    expect(starts.filter((t) => t === 0)).toHaveLength(GITHUB_WRITE_LIMITS.burst);
    expect(mostInAnyWindow(starts, 60_000)).toBeLessThanOrEqual(80);
    expect(mostInAnyWindow(starts, 3_600_000)).toBe(500);
    // After the burst, the sustained pace is one write a second (the best-practices page's advice).
    expect(starts[GITHUB_WRITE_LIMITS.burst + 1]! - starts[GITHUB_WRITE_LIMITS.burst]!).toBe(1_000);
  });

  it("refills while nobody writes: the next run's writes start at once again", async () => {
    const clock = virtualClock();
    const bucket = new WriteBucket(GITHUB_WRITE_LIMITS, clock);
    await Promise.all(Array.from({ length: 12 }, () => bucket.take()));
    await clock.sleep(60_000);
    clock.sleeps.length = 0;
    await Promise.all(Array.from({ length: 12 }, () => bucket.take()));
    expect(clock.sleeps).toEqual([]);
  });

  it("a pause (a retry-after) holds every writer of the bucket, retries included, and nothing else", async () => {
    const clock = virtualClock();
    const bucket = new WriteBucket(GITHUB_WRITE_LIMITS, clock);
    bucket.pause(30_000);
    const starts: number[] = [];
    await Promise.all([bucket.take().then(() => starts.push(clock.now())), bucket.retryTurn().then(() => starts.push(clock.now()))]);
    expect(starts).toEqual([30_000, 30_000]);
    clock.sleeps.length = 0;
    await bucket.take();
    expect(clock.sleeps).toEqual([]);
  });
});

describe("Octokit's writes against the GitHub stand-in", () => {
  // One stand-in for both cases (its start-up is most of their time); each writes on its own issue.
  let github: GitHubServer;
  beforeAll(async () => {
    github = await startGitHubServer({ tokens: [TOKEN] });
    await github.addRepo(OWNER, REPO, { files: { "README.md": "# widgets\n" }, permissions: { alice: "write" } });
    await github.addIssue(OWNER, REPO, { number: 7, title: "Pad strings", body: "Add pad().", user: "alice" });
    await github.addIssue(OWNER, REPO, { number: 8, title: "Trim strings", body: "Add trim().", user: "alice" });
  });
  afterEach(() => expect(github.violations).toEqual([]));
  afterAll(async () => github?.close());

  it("a run's independent writes go out together under GitHub's default limits: none waits", async () => {
    const clock = recordingClock();
    const forge = createOctokitForge(createGitHubOctokit({ baseUrl: github.apiUrl, token: TOKEN, writes: new WriteBucket(GITHUB_WRITE_LIMITS, clock) }), OWNER, REPO);

    await Promise.all([forge.addReaction(7, "eyes"), forge.createComment(7, "status"), forge.addLabels(7, ["codegen-crew"]), forge.createComment(7, "stats")]);

    expect(clock.sleeps).toEqual([]);
    expect(
      github
        .comments(OWNER, REPO, 7)
        .map((c) => c.body)
        .sort(),
    ).toEqual(["stats", "status"]);
    expect(github.issue(OWNER, REPO, 7).labels).toContain("codegen-crew");
  });

  it("a secondary rate limit pauses every client of the token until its retry-after; the refused write is retried and none is lost", async () => {
    const clock = recordingClock();
    const writes = new WriteBucket(GITHUB_WRITE_LIMITS, clock);
    const pacing = { retryUnitMs: 100, writeIntervalMs: 1_000 };
    let other: Promise<number> | undefined;
    const otherForge = createOctokitForge(createGitHubOctokit({ baseUrl: github.apiUrl, token: TOKEN, pacing, writes }), OWNER, REPO);
    // The second client writes the moment the first is told to wait: it must wait too.
    const log = { warn: () => void (other ??= otherForge.createComment(8, "second")) };
    const forge = createOctokitForge(createGitHubOctokit({ baseUrl: github.apiUrl, token: TOKEN, pacing, writes, log, maxRateLimitWaitSeconds: 5 }), OWNER, REPO);
    github.failNext("POST", "/repos/{owner}/{repo}/issues/{issue_number}/comments", 403, { body: SECONDARY_LIMIT, headers: { "retry-after": "3" } });

    await forge.createComment(8, "first");
    await other;

    const posts = github.requests.filter((r) => r.method === "POST" && r.path.endsWith("/issues/8/comments"));
    const sent = posts.map((r) => `${(r.body as { body: string }).body} ${r.status}`);
    expect(sent[0]).toBe("first 403");
    expect(sent.slice(1).sort()).toEqual(["first 201", "second 201"]);
    expect(
      github
        .comments(OWNER, REPO, 8)
        .map((c) => c.body)
        .sort(),
    ).toEqual(["first", "second"]);
    // The second client's write waited for the pause (3 × 100 ms): the bucket slept before letting it go.
    expect(clock.sleeps.length).toBeGreaterThan(0);
    expect(Math.max(...clock.sleeps)).toBeGreaterThan(200);
  });
});
