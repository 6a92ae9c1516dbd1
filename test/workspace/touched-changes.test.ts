import { execFileSync } from "node:child_process";
import { chmod, mkdir, mkdtemp, rm, symlink, unlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Git } from "../../src/core/workspace/git.js";
import { createRunWorkspace, type RunWorkspace } from "../../src/core/workspace/run-workspace.js";

// What the workspace reports as the agents' change, checked against what git itself says on real repositories.

let scratch: string;
let repoDir: string;
const open: RunWorkspace[] = [];

function git(dir: string, ...args: string[]): string {
  return execFileSync("git", args, { cwd: dir, encoding: "utf8", env: { ...process.env, GIT_TERMINAL_PROMPT: "0" } });
}

async function workspace(options: { startRef?: string } = {}): Promise<RunWorkspace> {
  const ws = await createRunWorkspace({ repoDir, branch: "codegen/issue-1", worktreeRoot: path.join(scratch, "worktrees"), ...options });
  open.push(ws);
  return ws;
}

function committedMode(ws: RunWorkspace, file: string): string {
  return git(ws.dir, "ls-tree", "HEAD", "--", file).split(" ")[0]!;
}

beforeEach(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), "crew-touched-test-"));
  repoDir = path.join(scratch, "repo");
  await mkdir(path.join(scratch, "worktrees"));
  await mkdir(path.join(repoDir, "build"), { recursive: true });
  git(repoDir, "init", "--quiet", "--initial-branch=main");
  git(repoDir, "config", "user.name", "Repo Owner");
  git(repoDir, "config", "user.email", "owner@example.com");
  await writeFile(path.join(repoDir, "a.txt"), "a\n");
  await writeFile(path.join(repoDir, "run.sh"), "echo run\n");
  await chmod(path.join(repoDir, "run.sh"), 0o755);
  await writeFile(path.join(repoDir, ".gitignore"), "build/\n");
  await symlink("a.txt", path.join(repoDir, "link"));
  git(repoDir, "add", "-A");
  git(repoDir, "commit", "--quiet", "-m", "initial");
});

afterEach(async () => {
  for (const ws of open.splice(0)) await ws.dispose();
  await rm(scratch, { recursive: true, force: true });
});

describe("the workspace's change", () => {
  it("is not changed by a file written again with the same content, and commits nothing for it", async () => {
    const ws = await workspace();
    await ws.applyChange({ files: [{ path: "a.txt", content: "a\n" }] }, "developer");
    expect(await ws.changedFiles()).toEqual([]);
    expect(await ws.commit("same")).toBeNull();
  });

  it("reports a deleted tracked file as deleted and a new file as added", async () => {
    const ws = await workspace();
    await ws.applyChange({ files: [{ path: "src/new file.ts", content: "x\n" }], deletions: ["a.txt"] }, "developer");
    expect(await ws.changedFiles()).toEqual([
      { path: "a.txt", status: "deleted" },
      { path: "src/new file.ts", status: "added" },
    ]);
    const sha = await ws.commit("change");
    expect(git(ws.dir, "show", "--name-status", "--format=", sha!).trim().split("\n")).toEqual(["D\ta.txt", "A\tsrc/new file.ts"]);
  });

  it("compares a symlink by its target, as git stores it", async () => {
    const ws = await workspace();
    await ws.applyChange({ files: [{ path: "note", content: "a.txt" }] }, "developer");
    await ws.commit("note");
    // Agents cannot write links; a check can leave one where an agent wrote a file.
    await unlink(path.join(ws.dir, "note"));
    await symlink("a.txt", path.join(ws.dir, "note"));
    expect(await ws.commit("the same bytes as a link are a different entry")).not.toBeNull();
    expect(committedMode(ws, "note")).toBe("120000");
    expect(await ws.commit("the same link")).toBeNull();
    await unlink(path.join(ws.dir, "note"));
    await symlink("run.sh", path.join(ws.dir, "note"));
    expect(await ws.commit("another target")).not.toBeNull();
    expect(git(ws.dir, "status", "--porcelain")).toBe("");
    expect(await ws.changedFiles()).toEqual([{ path: "note", status: "added" }]);
  });

  it("sees the executable bit change, and commits it", async () => {
    const ws = await workspace();
    await ws.applyChange({ files: [{ path: "run.sh", content: "echo run\n" }] }, "developer");
    expect(await ws.changedFiles()).toEqual([]);
    await chmod(path.join(ws.dir, "run.sh"), 0o644);
    expect(await ws.changedFiles()).toEqual([{ path: "run.sh", status: "modified" }]);
    await ws.commit("not executable");
    expect(committedMode(ws, "run.sh")).toBe("100644");
    expect(await ws.commit("again")).toBeNull();
  });

  it("measures the change from the base and what is pending from the last commit", async () => {
    const ws = await workspace();
    await ws.applyChange({ files: [{ path: "a.txt", content: "changed\n" }] }, "developer");
    const first = await ws.commit("change");
    expect(first).not.toBeNull();
    expect(await ws.changedFiles()).toEqual([{ path: "a.txt", status: "modified" }]);
    await ws.applyChange({ files: [{ path: "a.txt", content: "a\n" }] }, "debugger");
    // Back to the base's content: no change from the base, but a difference from the last commit.
    expect(await ws.changedFiles()).toEqual([]);
    expect(await ws.discardUncommitted()).toEqual(["a.txt"]);
    expect(await ws.changedFiles()).toEqual([{ path: "a.txt", status: "modified" }]);
    await ws.applyChange({ files: [{ path: "a.txt", content: "a\n" }] }, "debugger");
    const second = await ws.commit("revert");
    expect(second).not.toBeNull();
    expect(git(ws.dir, "rev-parse", "HEAD").trim()).toBe(second);
    expect(await ws.headCommit()).toBe(second);
    expect(await ws.changedFiles()).toEqual([]);
  });

  it("sees a commit made in the worktree by another git process", async () => {
    const ws = await workspace();
    await ws.applyChange(
      {
        files: [
          { path: "a.txt", content: "theirs\n" },
          { path: "b.txt", content: "b\n" },
        ],
      },
      "developer",
    );
    // A check's own git (or another Git on the directory) commits the agents' files itself.
    git(ws.dir, "add", "a.txt", "b.txt");
    git(ws.dir, "commit", "--quiet", "-m", "outside");
    const outside = git(ws.dir, "rev-parse", "HEAD").trim();
    expect(await ws.headCommit()).toBe(outside);
    expect(await ws.commit("nothing pending")).toBeNull();
    expect(await ws.discardUncommitted()).toEqual([]);
    expect(await ws.changedFiles()).toEqual([
      { path: "a.txt", status: "modified" },
      { path: "b.txt", status: "added" },
    ]);
    // With its refs packed, HEAD is still found (git is asked).
    await (await Git.open(repoDir)).raw(["pack-refs", "--all"]);
    expect(await ws.headCommit()).toBe(outside);
  });

  it("leaves out ignored new files until the ignore rule goes", async () => {
    const ws = await workspace();
    await ws.applyChange({ files: [{ path: "build/out.js", content: "x\n" }] }, "developer");
    expect(await ws.changedFiles()).toEqual([]);
    expect(await ws.commit("ignored")).toBeNull();
    await ws.applyChange({ files: [{ path: ".gitignore", content: "dist/\n" }] }, "developer");
    expect(await ws.changedFiles()).toEqual([
      { path: ".gitignore", status: "modified" },
      { path: "build/out.js", status: "added" },
    ]);
  });

  it("lets git decide for paths its attributes convert", async () => {
    await writeFile(path.join(repoDir, ".gitattributes"), "*.txt text eol=crlf\n");
    git(repoDir, "add", ".gitattributes");
    git(repoDir, "commit", "--quiet", "-m", "attributes");
    const ws = await workspace();
    // The checkout has CRLF; git stores LF: writing the checkout's bytes again is no change.
    await ws.applyChange({ files: [{ path: "a.txt", content: "a\r\n" }] }, "developer");
    expect(await ws.changedFiles()).toEqual([]);
    expect(await ws.commit("same")).toBeNull();
    await ws.applyChange({ files: [{ path: "a.txt", content: "b\r\n" }] }, "developer");
    expect(await ws.changedFiles()).toEqual([{ path: "a.txt", status: "modified" }]);
    expect(await ws.discardUncommitted()).toEqual(["a.txt"]);
    expect(await ws.changedFiles()).toEqual([]);
  });

  it("lets git decide when core.autocrlf converts line endings", async () => {
    git(repoDir, "config", "core.autocrlf", "true");
    const ws = await workspace();
    await ws.applyChange({ files: [{ path: "a.txt", content: "a\r\n" }] }, "developer");
    expect(await ws.changedFiles()).toEqual([]);
    expect(await ws.commit("same")).toBeNull();
  });

  it("counts files already on a revised branch as part of the change", async () => {
    git(repoDir, "checkout", "--quiet", "-b", "feature");
    await writeFile(path.join(repoDir, "feature.txt"), "f\n");
    git(repoDir, "add", "feature.txt");
    git(repoDir, "commit", "--quiet", "-m", "feature");
    git(repoDir, "checkout", "--quiet", "main");
    const ws = await workspace({ startRef: "feature" });
    expect(await ws.changedFiles()).toEqual([{ path: "feature.txt", status: "added" }]);
    await ws.applyChange({ files: [], deletions: ["feature.txt"] }, "developer");
    expect(await ws.changedFiles()).toEqual([]);
    expect(await ws.discardUncommitted()).toEqual(["feature.txt"]);
    expect(await ws.changedFiles()).toEqual([{ path: "feature.txt", status: "added" }]);
  });
});
