import { generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import { getOctokit } from "@actions/github";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGitHubServer, type GitHubServer } from "../support/github-server.js";

const APP_ID = 4242;
const INSTALLATION_ID = 77;
const appKey = generateKeyPairSync("rsa", { modulusLength: 2048 });
const strangerKey = generateKeyPairSync("rsa", { modulusLength: 2048 });

let github: GitHubServer;

beforeAll(async () => {
  github = await startGitHubServer({ tokens: ["ghp_allowed"], app: { id: APP_ID, publicKey: appKey.publicKey, slug: "codegen-crew", installationId: INSTALLATION_ID } });
  await github.addRepo("acme", "widgets");
  await github.addIssue("acme", "widgets", { number: 1, title: "Bug" });
});

afterAll(async () => {
  await github.close();
});

/** An app JWT as @octokit/auth-app makes it: RS256, iat 30 s in the past, exp 10 minutes after iat. */
function appJwt(key: KeyObject, claims: Record<string, unknown> = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const unsigned = `${part({ alg: "RS256", typ: "JWT" })}.${part({ iat: now - 30, exp: now + 570, iss: APP_ID, ...claims })}`;
  return `${unsigned}.${sign("RSA-SHA256", Buffer.from(unsigned), key).toString("base64url")}`;
}

function exchange(jwt: string) {
  return getOctokit(jwt, { baseUrl: github.apiUrl }).rest.apps.createInstallationAccessToken({ installation_id: INSTALLATION_ID });
}

describe("GitHub stand-in: GitHub App authentication", () => {
  it("exchanges a valid RS256 app JWT for an installation token that then works on the API, acting as the app's bot", async () => {
    const api = getOctokit(appJwt(appKey.privateKey), { baseUrl: github.apiUrl });
    const installation = await api.rest.apps.getRepoInstallation({ owner: "acme", repo: "widgets" });
    expect(installation.data).toMatchObject({ id: INSTALLATION_ID, app_id: APP_ID, app_slug: "codegen-crew" });

    const minted = await exchange(appJwt(appKey.privateKey));
    expect(minted.status).toBe(201);
    expect(minted.data.token).toMatch(/^ghs_\w{36}$/);
    expect(Date.parse(minted.data.expires_at)).toBeGreaterThan(Date.now());
    expect(github.mintedTokens.map((token) => token.token)).toContain(minted.data.token);

    const asInstallation = getOctokit(minted.data.token, { baseUrl: github.apiUrl });
    const comment = await asInstallation.rest.issues.createComment({ owner: "acme", repo: "widgets", issue_number: 1, body: "On it" });
    expect(comment.data.user?.login).toBe("codegen-crew[bot]");
    expect(github.requests.find((request) => request.operationId === "apps/create-installation-access-token")?.headers.authorization).toMatch(/^bearer \[redacted\]$/i);
    expect(github.violations).toEqual([]);
    expect(github.responseViolations).toEqual([]);
  });

  it("rejects a JWT signed by another key, an expired one, one for another app, and a plain token", async () => {
    await expect(exchange(appJwt(strangerKey.privateKey))).rejects.toMatchObject({ status: 401, response: { data: { message: "A JSON web token could not be decoded" } } });
    const now = Math.floor(Date.now() / 1000);
    await expect(exchange(appJwt(appKey.privateKey, { iat: now - 900, exp: now - 60 }))).rejects.toMatchObject({ status: 401 });
    await expect(exchange(appJwt(appKey.privateKey, { exp: now + 3600 }))).rejects.toMatchObject({ status: 401 });
    await expect(exchange(appJwt(appKey.privateKey, { iss: 1 }))).rejects.toMatchObject({ status: 401 });
    await expect(exchange("ghp_allowed")).rejects.toMatchObject({ status: 401 });
    const unknownInstallation = getOctokit(appJwt(appKey.privateKey), { baseUrl: github.apiUrl }).rest.apps.createInstallationAccessToken({ installation_id: 9999 });
    await expect(unknownInstallation).rejects.toMatchObject({ status: 404 });
  });

  it("does not let an app JWT act as an installation", async () => {
    const api = getOctokit(appJwt(appKey.privateKey), { baseUrl: github.apiUrl });
    await expect(api.rest.issues.createComment({ owner: "acme", repo: "widgets", issue_number: 1, body: "x" })).rejects.toMatchObject({ status: 403 });
  });

  it("lists the app's installations (JWT), an installation's repositories (its token) and who labelled an issue", async () => {
    await github.addRepo("acme", "gears");
    await github.addRepo("other", "elsewhere", { installationId: 78 });
    await github.addIssue("acme", "gears", { number: 1, title: "Spin", labels: ["codegen"], labeledBy: "alice" });
    github.labelIssue("acme", "gears", 1, "bug", "bob");
    github.unlabelIssue("acme", "gears", 1, "codegen", "carol");

    const asApp = getOctokit(appJwt(appKey.privateKey), { baseUrl: github.apiUrl });
    const installations = await asApp.rest.apps.listInstallations();
    expect(installations.data.map((installation) => installation.id).sort()).toEqual([INSTALLATION_ID, 78]);

    const minted = await exchange(appJwt(appKey.privateKey));
    const asInstallation = getOctokit(minted.data.token, { baseUrl: github.apiUrl });
    const repos = await asInstallation.rest.apps.listReposAccessibleToInstallation();
    expect(repos.data.total_count).toBe(2);
    expect(repos.data.repositories.map((repo) => repo.full_name).sort()).toEqual(["acme/gears", "acme/widgets"]);
    await expect(getOctokit("ghp_allowed", { baseUrl: github.apiUrl }).rest.apps.listReposAccessibleToInstallation()).rejects.toMatchObject({ status: 403 });

    const events = await asInstallation.rest.issues.listEvents({ owner: "acme", repo: "gears", issue_number: 1 });
    expect(events.data.map((event) => [event.event, event.actor?.login, "label" in event ? event.label.name : undefined])).toEqual([
      ["labeled", "alice", "codegen"],
      ["labeled", "bob", "bug"],
      ["unlabeled", "carol", "codegen"],
    ]);
    expect(github.violations).toEqual([]);
    expect(github.responseViolations).toEqual([]);
  });
});
