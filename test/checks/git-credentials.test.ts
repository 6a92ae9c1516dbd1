import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { assertNoCredentialsInGitConfig, findGitCredentials, stripGitCredentials } from "../../src/core/checks/git-credentials.js";
import { WorkspaceError } from "../../src/core/errors.js";
import { checksRunner } from "../support/checks-runner.js";
import { createTempRepo, git } from "../support/temp-repo.js";

const TOKEN = "ghs_persistedByCheckout0123456789";
let repo: { dir: string; cleanup(): Promise<void> };
let scratch: string;
let worktree: string;
let included: string;

beforeEach(async () => {
  repo = await createTempRepo({ "README.md": "# hi\n" });
  scratch = await mkdtemp(path.join(os.tmpdir(), "crew-gitcred-test-"));
  // What actions/checkout leaves behind: an auth header in the local config, or in a file it includes.
  await git(repo.dir, "config", "http.https://github.com/.extraheader", `AUTHORIZATION: basic ${TOKEN}`);
  included = path.join(scratch, "git-credentials-1234.config");
  await writeFile(included, `[http "https://github.com/"]\n\textraheader = AUTHORIZATION: basic ${TOKEN}\n`);
  await git(repo.dir, "config", `includeIf.gitdir:${path.join(repo.dir, ".git")}.path`, included);
  await git(repo.dir, "remote", "add", "origin", `https://x-access-token:${TOKEN}@github.com/o/r.git`);
  await git(repo.dir, "remote", "add", "mirror", "ssh://git@github.com/o/r.git");
  await git(repo.dir, "config", `url.https://bot:${TOKEN}@github.com/.insteadOf`, "https://github.com/");
  await git(repo.dir, "config", "credential.helper", `store --file=${path.join(scratch, "creds")}`);
  worktree = path.join(scratch, "worktree");
  await git(repo.dir, "worktree", "add", "--detach", "--quiet", worktree);
});

afterEach(async () => {
  await git(repo.dir, "worktree", "remove", "--force", worktree).catch(() => undefined);
  await repo.cleanup();
  await rm(scratch, { recursive: true, force: true });
});

describe("git credentials in the worktree's config", () => {
  it("finds every kind a checkout leaves, naming keys but never values", async () => {
    const findings = await findGitCredentials(worktree);
    expect(findings.map((f) => f.kind).sort()).toEqual(["credential-helper", "extraheader", "include", "url-credentials", "url-credentials"]);
    expect(JSON.stringify(findings)).not.toContain(TOKEN);
    expect(findings.find((f) => f.kind === "extraheader")).toMatchObject({ key: "http.https://github.com/.extraheader", file: path.join(repo.dir, ".git", "config") });
    await expect(assertNoCredentialsInGitConfig(worktree)).rejects.toBeInstanceOf(WorkspaceError);
  });

  it("strips them so that nothing a command runs in the worktree can read them", async () => {
    const removed = await stripGitCredentials(worktree);
    expect(removed).toHaveLength(5);
    await assertNoCredentialsInGitConfig(worktree);
    expect(await git(worktree, "remote", "get-url", "origin")).toBe("https://github.com/o/r.git");
    expect(await git(worktree, "remote", "get-url", "mirror")).toBe("ssh://git@github.com/o/r.git");
    // The included file is not ours to edit; it is simply no longer included.
    expect(await readFile(included, "utf8")).toContain(TOKEN);

    const result = await (await checksRunner()).run({ command: "git config --list --show-origin; git remote -v", cwd: worktree, timeoutMs: 10_000 });
    expect(result.exitCode).toBe(0);
    expect(result.output).toContain("remote.origin.url=https://github.com/o/r.git");
    expect(result.output).not.toContain(TOKEN);
    expect(result.output).not.toMatch(/extraheader|credential\.helper|insteadof/i);
  });
});
