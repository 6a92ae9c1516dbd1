import { execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { defaultConfig } from "../../src/core/config.js";
import { checkCommit } from "../../src/core/crew/check-commit.js";
import { checksRunner } from "../support/checks-runner.js";

let repoDir: string;

function git(...args: string[]): string {
  return execFileSync("git", args, { cwd: repoDir, encoding: "utf8", env: { ...process.env, GIT_TERMINAL_PROMPT: "0" } });
}

beforeEach(async () => {
  repoDir = await mkdtemp(path.join(os.tmpdir(), "crew-check-commit-test-"));
  git("init", "--quiet", "--initial-branch=main");
  git("config", "user.name", "Repo Owner");
  git("config", "user.email", "owner@example.com");
  await writeFile(path.join(repoDir, "ok.js"), "export const ok = 1;\n");
  git("add", "-A");
  git("commit", "--quiet", "-m", "base");
});

afterEach(async () => {
  await rm(repoDir, { recursive: true, force: true });
});

describe("checkCommit", () => {
  it("checks the files the commit changed, not what the installation leaves in the checkout", async () => {
    const base = git("rev-parse", "HEAD").trim();
    await writeFile(path.join(repoDir, "broken.js"), "export const broken = (;\n");
    git("add", "broken.js");
    git("commit", "--quiet", "-m", "change");
    const commit = git("rev-parse", "HEAD").trim();
    const config = { ...defaultConfig(), install: "echo 'export const generated = (;' > generated.js" };

    const results = await checkCommit({ runner: await checksRunner(), repoDir, commit, base, config, secrets: [] });

    const syntax = results.find((r) => r.name === "syntax");
    expect(syntax?.status).toBe("fail");
    expect(syntax?.output).toContain("broken.js");
    expect(syntax?.output).not.toContain("generated.js");
  });
});
