import { generateKeyPairSync } from "node:crypto";
import { Writable } from "node:stream";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAppProbot } from "../../src/app/probot-factory.js";
import { sharedWriteBucket } from "../../src/github/write-pacing.js";
import { startGitHubServer, type GitHubServer } from "../support/github-server.js";

const APP_ID = 5151;
const INSTALLATION_ID = 515;
const appKey = generateKeyPairSync("rsa", { modulusLength: 2048 });
const SECONDARY_LIMIT = { message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.", documentation_url: "https://docs.github.com/rest" };

let github: GitHubServer;
beforeAll(async () => {
  github = await startGitHubServer({ app: { id: APP_ID, publicKey: appKey.publicKey, installationId: INSTALLATION_ID } });
  await github.addRepo("acme", "widgets");
  await github.addIssue("acme", "widgets", { number: 1, title: "Bug" });
});
afterAll(async () => github?.close());

describe("the app's GitHub clients (Probot, throttling on)", () => {
  it("a secondary rate limit pauses the installation's shared write bucket, not another installation's; the write is retried once, not lost", async () => {
    const quiet = pino({ level: "silent" }, new Writable({ write: (_chunk, _encoding, done) => done() }));
    const probot = createAppProbot({
      env: {
        APP_ID: String(APP_ID),
        PRIVATE_KEY: appKey.privateKey.export({ type: "pkcs1", format: "pem" }).toString(),
        GHE_HOST: new URL(github.apiUrl).host,
        GHE_PROTOCOL: "http",
      },
      githubThrottle: true,
      log: quiet,
      maxRateLimitWaitSeconds: 5,
    });
    const octokit = await probot.auth(INSTALLATION_ID);
    github.failNext("POST", "/repos/{owner}/{repo}/issues/{issue_number}/comments", 403, { body: SECONDARY_LIMIT, headers: { "retry-after": "1" } });
    const before = Date.now();

    await octokit.rest.issues.createComment({ owner: "acme", repo: "widgets", issue_number: 1, body: "On it" });

    const posts = github.requests.filter((r) => r.method === "POST" && r.path.endsWith("/issues/1/comments")).map((r) => r.status);
    expect(posts).toEqual([403, 201]);
    expect(github.comments("acme", "widgets", 1).map((c) => c.body)).toEqual(["On it"]);
    // The retry-after (1 s) paused every writer of this installation in the process …
    expect(sharedWriteBucket({ installationId: String(INSTALLATION_ID) }).pausedUntilMs).toBeGreaterThanOrEqual(before + 1_000);
    // … and no other installation's.
    expect(sharedWriteBucket({ installationId: String(INSTALLATION_ID + 1) }).pausedUntilMs).toBe(0);
    expect(github.violations).toEqual([]);
  });
});
