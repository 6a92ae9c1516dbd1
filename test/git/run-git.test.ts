import { execFile } from "node:child_process";
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { listRepoFiles } from "../../src/core/context/list-files.js";
import { Git } from "../../src/core/workspace/git.js";
import { pushBranch } from "../../src/core/workspace/git-remote.js";
import { createTempRepo, git } from "../support/temp-repo.js";

const run = promisify(execFile);
let repo: { dir: string; cleanup(): Promise<void> };
let scratch: string;
let markers: string;

/** What a check could plant in `.git` while it ran: hooks, a hooks path elsewhere, an fsmonitor command. */
async function plant(dir: string): Promise<void> {
  const script = (name: string) => `#!/bin/sh\ntouch "${path.join(markers, name)}"\n`;
  for (const hook of ["pre-commit", "post-commit", "pre-push", "reference-transaction"]) {
    await writeFile(path.join(dir, ".git", "hooks", hook), script(hook));
    await chmod(path.join(dir, ".git", "hooks", hook), 0o755);
  }
  const monitor = path.join(scratch, "fsmonitor.sh");
  await writeFile(monitor, script("fsmonitor"));
  await chmod(monitor, 0o755);
  await git(dir, "config", "core.fsmonitor", monitor);
}

beforeEach(async () => {
  repo = await createTempRepo({ "a.txt": "a\n" });
  scratch = await mkdtemp(path.join(os.tmpdir(), "crew-git-safety-"));
  markers = path.join(scratch, "ran");
  await mkdir(markers);
  await plant(repo.dir);
});

afterEach(async () => {
  await repo.cleanup();
  await rm(scratch, { recursive: true, force: true });
});

describe("the bot's own git", () => {
  it("runs no hook and no fsmonitor a check planted in .git when it commits, lists files and pushes", async () => {
    const remote = path.join(scratch, "remote.git");
    await run("git", ["init", "-q", "--bare", remote]);
    const bot = await Git.open(repo.dir);
    await writeFile(path.join(repo.dir, "b.txt"), "b\n");
    await bot.add();
    expect(await bot.commit("add b")).toMatch(/^[0-9a-f]{40}$/);
    await bot.status();
    expect((await listRepoFiles(repo.dir)).files).toContain("b.txt");
    await pushBranch(repo.dir, { url: remote }, "main", "main");
    expect((await run("git", ["--git-dir", remote, "rev-parse", "main"])).stdout.trim()).toBe(await bot.revParse("HEAD"));
    expect(existsSync(path.join(markers, "post-commit"))).toBe(false);
    expect(existsSync(path.join(markers, "pre-push"))).toBe(false);
    expect(existsSync(path.join(markers, "reference-transaction"))).toBe(false);
    expect(existsSync(path.join(markers, "fsmonitor"))).toBe(false);

    // The plants are live: a plain git in the same repository runs them.
    await writeFile(path.join(repo.dir, "c.txt"), "c\n");
    await run("git", ["-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qam", "plain", "--allow-empty"], { cwd: repo.dir });
    expect(existsSync(path.join(markers, "post-commit"))).toBe(true);
    expect(existsSync(path.join(markers, "fsmonitor"))).toBe(true);
  });
});
