import { execFile } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Git } from "../../src/core/workspace/git.js";
import { createTempRepo, git } from "../support/temp-repo.js";

/** git's own verdict, for comparison. */
function gitAccepts(branch: string): Promise<boolean> {
  return new Promise((resolve) => execFile("git", ["check-ref-format", "--branch", branch], (error) => resolve(!error && !branch.startsWith("-"))));
}

describe("the git wrapper's answers without starting git", () => {
  let repo: { dir: string; cleanup(): Promise<void> };
  beforeAll(async () => {
    repo = await createTempRepo({ "README.md": "# x\n" });
  });
  afterAll(() => repo.cleanup());

  // Plain names are answered in-process; each answer must be git's.
  it("judges branch names as git check-ref-format --branch does", async () => {
    const names = [
      "codegen-crew/issue-1",
      "main",
      "feature/a_b-c.d",
      "HEAD",
      "@",
      "a.lock",
      "x/y.",
      "-x",
      "a..b",
      "a/.b",
      ".a",
      "a//b",
      "a/",
      "a b",
      "a~1",
      "a^",
      "a:b",
      "a?",
      "a*",
      "a[",
      "a\\b",
      "a@{1}",
      "ü/ok",
      "x.lock/y",
    ];
    const wrapper = await Git.open(repo.dir);
    for (const name of names) expect(await wrapper.isValidBranchName(name), name).toBe(await gitAccepts(name));
  });

  it("reads a branch or remote-tracking ref's commit from the files, and asks git for packed ones", async () => {
    const wrapper = await Git.open(repo.dir);
    const head = (await git(repo.dir, "rev-parse", "HEAD")).trim();
    await git(repo.dir, "update-ref", "refs/remotes/codegen-crew-remote/main", head);
    expect(await wrapper.refCommit("refs/remotes/codegen-crew-remote/main")).toBe(head);
    await git(repo.dir, "pack-refs", "--all");
    expect(await wrapper.refCommit("refs/remotes/codegen-crew-remote/main")).toBe(head);
    await expect(wrapper.refCommit("refs/remotes/codegen-crew-remote/missing")).rejects.toThrow();
  });
});
