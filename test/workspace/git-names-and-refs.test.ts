import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchBranches } from "../../src/core/workspace/git-remote.js";
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

  it("reads a branch or remote-tracking ref's commit from loose and packed refs as git does", async () => {
    const wrapper = await Git.open(repo.dir);
    const head = (await git(repo.dir, "rev-parse", "HEAD")).trim();
    await git(repo.dir, "update-ref", "refs/remotes/codegen-crew-remote/main", head);
    expect(await wrapper.refCommit("refs/remotes/codegen-crew-remote/main")).toBe(head);
    await git(repo.dir, "tag", "-a", "-m", "annotated", "v1");
    await git(repo.dir, "pack-refs", "--all");
    expect(await wrapper.refCommit("refs/remotes/codegen-crew-remote/main")).toBe(head);
    // A loose ref written after packing is the current one.
    await git(repo.dir, "commit", "-q", "--allow-empty", "-m", "second");
    const second = (await git(repo.dir, "rev-parse", "HEAD")).trim();
    await git(repo.dir, "update-ref", "refs/remotes/codegen-crew-remote/main", second);
    expect(await wrapper.refCommit("refs/remotes/codegen-crew-remote/main")).toBe(second);
    await expect(wrapper.refCommit("refs/remotes/codegen-crew-remote/missing")).rejects.toThrow();
  });

  it("says whether a branch exists as git does, for loose, packed and missing branches", async () => {
    const wrapper = await Git.open(repo.dir);
    const head = (await git(repo.dir, "rev-parse", "HEAD")).trim();
    await git(repo.dir, "branch", "packed/one", head);
    await git(repo.dir, "pack-refs", "--all");
    await git(repo.dir, "branch", "loose-one", head);
    await git(repo.dir, "symbolic-ref", "refs/heads/pointer", "refs/heads/main");
    for (const branch of ["main", "packed/one", "loose-one", "pointer", "packed", "missing", "packed/one/deeper"]) {
      const listed = (await git(repo.dir, "for-each-ref", "--format=%(refname)", `refs/heads/${branch}`)).split("\n").includes(`refs/heads/${branch}`);
      expect(await wrapper.branchExists(branch), branch).toBe(listed);
    }
  });

  it("takes a fresh clone's remote-tracking ref for a branch that has not moved, and fetches one that has", async () => {
    const parent = await mkdtemp(path.join(os.tmpdir(), "codegen-crew-fetch-"));
    try {
      const remote = path.join(parent, "remote.git");
      await git(parent, "clone", "-q", "--bare", repo.dir, remote);
      const clone = path.join(parent, "clone");
      await git(parent, "clone", "-q", remote, clone);
      const access = { url: remote };
      const before = await fetchBranches(clone, access, ["main", "codegen-crew/issue-9"]);
      expect(before.get("codegen-crew/issue-9")).toBeNull();
      const wrapper = await Git.open(clone);
      expect(await wrapper.refCommit(before.get("main")!)).toBe(await git(remote, "rev-parse", "main"));
      // Nothing was fetched: the clone already had the commit.
      expect(await git(clone, "for-each-ref", "refs/remotes/codegen-crew-remote")).toBe("");

      const other = path.join(parent, "other");
      await git(parent, "clone", "-q", remote, other);
      await git(other, "commit", "-q", "--allow-empty", "-m", "moved on");
      await git(other, "push", "-q", "origin", "main");
      const after = await fetchBranches(clone, access, ["main"]);
      expect(await wrapper.refCommit(after.get("main")!)).toBe(await git(remote, "rev-parse", "main"));
      expect(await git(clone, "cat-file", "-t", await git(remote, "rev-parse", "main"))).toBe("commit");
    } finally {
      await rm(parent, { recursive: true, force: true, maxRetries: 3 });
    }
  });
});
