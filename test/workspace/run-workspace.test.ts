import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { WorkspaceError } from "../../src/core/errors.js";
import { ChangePolicy } from "../../src/core/workspace/change-policy.js";
import { createRunWorkspace, type RunWorkspace } from "../../src/core/workspace/run-workspace.js";

let scratch: string;
let repoDir: string;
let worktreeRoot: string;
const open: RunWorkspace[] = [];

function git(dir: string, ...args: string[]): string {
  return execFileSync("git", args, { cwd: dir, encoding: "utf8", env: { ...process.env, GIT_TERMINAL_PROMPT: "0" } });
}

async function makeRepo(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  git(dir, "init", "--quiet", "--initial-branch=main");
  git(dir, "config", "user.name", "Repo Owner");
  git(dir, "config", "user.email", "owner@example.com");
  await writeFile(path.join(dir, "a.txt"), "a\n");
  await writeFile(path.join(dir, "b.txt"), "b\n");
  await writeFile(path.join(dir, "gone.txt"), "to be deleted\n");
  git(dir, "add", "-A");
  git(dir, "commit", "--quiet", "-m", "initial");
}

async function workspace(branch = "codegen/issue-1", policy?: ChangePolicy): Promise<RunWorkspace> {
  const ws = await createRunWorkspace({ repoDir, branch, worktreeRoot, ...(policy ? { policy } : {}) });
  open.push(ws);
  return ws;
}

beforeEach(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), "crew-ws-test-"));
  repoDir = path.join(scratch, "repo");
  worktreeRoot = path.join(scratch, "worktrees");
  await mkdir(worktreeRoot);
  await makeRepo(repoDir);
});

afterEach(async () => {
  for (const ws of open.splice(0)) await ws.dispose();
  await rm(scratch, { recursive: true, force: true });
});

describe("createRunWorkspace", () => {
  it("leaves the user's branch, index and uncommitted work untouched while committing on a new branch", async () => {
    await writeFile(path.join(repoDir, "a.txt"), "staged edit\n");
    git(repoDir, "add", "a.txt");
    await writeFile(path.join(repoDir, "b.txt"), "unstaged edit\n");
    await writeFile(path.join(repoDir, "untracked.txt"), "mine\n");
    const statusBefore = git(repoDir, "status", "--porcelain");
    const headBefore = git(repoDir, "rev-parse", "HEAD").trim();

    const ws = await workspace();
    expect(ws.baseCommit).toBe(headBefore);
    expect(ws.branch).toBe("codegen/issue-1");
    // The worktree starts from the commit, not from the user's uncommitted state.
    expect(await ws.readFile("a.txt")).toBe("a\n");
    expect(await ws.readFile("untracked.txt")).toBeNull();

    const applied = await ws.applyChange(
      {
        files: [
          { path: "src/new.ts", content: "export const x = 1;\n" },
          { path: "a.txt", content: "crew edit\n" },
        ],
      },
      "developer",
    );
    expect(applied).toEqual({ written: ["src/new.ts", "a.txt"], deleted: [], refused: [] });
    const sha = await ws.commit("developer: add x");
    expect(sha).toMatch(/^[0-9a-f]{40}$/);
    expect(await ws.headCommit()).toBe(sha);

    expect(git(repoDir, "symbolic-ref", "--short", "HEAD").trim()).toBe("main");
    expect(git(repoDir, "rev-parse", "HEAD").trim()).toBe(headBefore);
    expect(git(repoDir, "status", "--porcelain")).toBe(statusBefore);
    expect(await readFile(path.join(repoDir, "a.txt"), "utf8")).toBe("staged edit\n");
    expect(await readFile(path.join(repoDir, "b.txt"), "utf8")).toBe("unstaged edit\n");
    expect(existsSync(path.join(repoDir, "src/new.ts"))).toBe(false);

    expect(git(repoDir, "rev-parse", "codegen/issue-1").trim()).toBe(sha);
    expect(git(repoDir, "rev-parse", "codegen/issue-1^").trim()).toBe(headBefore);
    expect(git(repoDir, "show", "codegen/issue-1:src/new.ts")).toBe("export const x = 1;\n");
    // The repository's configured identity is used for the commit.
    expect(git(repoDir, "log", "-1", "--format=%an <%ae>", "codegen/issue-1").trim()).toBe("Repo Owner <owner@example.com>");
  });

  it("adds a numeric suffix when the branch already exists", async () => {
    git(repoDir, "branch", "codegen/issue-1");
    git(repoDir, "branch", "codegen/issue-1-2");
    const ws = await workspace();
    expect(ws.branch).toBe("codegen/issue-1-3");
    expect(git(repoDir, "branch", "--list", "codegen/issue-1-3").trim()).not.toBe("");
  });

  it("rejects a base that is not a commit and a branch name git would not accept", async () => {
    await expect(createRunWorkspace({ repoDir, branch: "ok", baseRef: "no-such-ref", worktreeRoot })).rejects.toBeInstanceOf(WorkspaceError);
    await expect(createRunWorkspace({ repoDir, branch: "bad..name", worktreeRoot })).rejects.toBeInstanceOf(WorkspaceError);
    await expect(createRunWorkspace({ repoDir: worktreeRoot, branch: "ok", worktreeRoot })).rejects.toThrow(/not a git repository/);
  });

  it("reports added, modified and deleted files and commits only what agents changed", async () => {
    const ws = await workspace();
    await ws.applyChange(
      {
        files: [
          { path: "docs/new.md", content: "# new\n" },
          { path: "a.txt", content: "changed\n" },
        ],
        deletions: ["gone.txt"],
      },
      "developer",
    );
    // A check run leaves an artefact behind: it is not part of the change.
    await writeFile(path.join(ws.dir, "coverage.json"), "{}");

    expect(await ws.changedFiles()).toEqual([
      { path: "a.txt", status: "modified" },
      { path: "docs/new.md", status: "added" },
      { path: "gone.txt", status: "deleted" },
    ]);
    const sha = await ws.commit("change");
    expect(git(repoDir, "show", "--name-status", "--format=", sha!).trim().split("\n").sort()).toEqual(["A\tdocs/new.md", "D\tgone.txt", "M\ta.txt"]);
    expect(await ws.commit("nothing new")).toBeNull();
    expect(await ws.changedFiles()).toHaveLength(3);

    // Writing a file back to its base content takes it out of the change.
    await ws.applyChange({ files: [{ path: "a.txt", content: "a\n" }] }, "debugger");
    expect((await ws.changedFiles()).map((f) => f.path)).toEqual(["docs/new.md", "gone.txt"]);
  });

  it("never reads secret files or git internals back to an agent", async () => {
    await writeFile(path.join(repoDir, ".env"), "API_KEY=abc\n");
    await mkdir(path.join(repoDir, "certs"));
    await writeFile(path.join(repoDir, "certs", "server.pem"), "-----BEGIN-----\n");
    git(repoDir, "add", "-f", ".env", "certs/server.pem");
    git(repoDir, "commit", "--quiet", "-m", "committed secrets");
    const ws = await workspace();
    expect(existsSync(path.join(ws.dir, ".env"))).toBe(true);
    expect(await ws.readFile(".env")).toBeNull();
    expect(await ws.readFile("certs/server.pem")).toBeNull();
    expect(await ws.readFile(".git")).toBeNull();
    expect(await ws.readFile("../repo/a.txt")).toBeNull();
    expect(await ws.readFile("./a.txt")).toBe("a\n");
  });

  it("deleting a file that does not exist is a quiet no-op", async () => {
    const ws = await workspace();
    expect(await ws.applyChange({ files: [], deletions: ["never-there.txt"] }, "debugger")).toEqual({ written: [], deleted: [], refused: [] });
  });

  it("falls back to the codegen-crew identity when the repository has none, without touching any config", async () => {
    git(repoDir, "config", "--unset", "user.name");
    git(repoDir, "config", "--unset", "user.email");
    const home = path.join(scratch, "home");
    await mkdir(home);
    const saved = { HOME: process.env.HOME, XDG_CONFIG_HOME: process.env.XDG_CONFIG_HOME };
    process.env.HOME = home;
    delete process.env.XDG_CONFIG_HOME;
    try {
      const ws = await workspace();
      await ws.applyChange({ files: [{ path: "x.txt", content: "x\n" }] }, "developer");
      const sha = await ws.commit("x");
      expect(git(repoDir, "log", "-1", "--format=%an <%ae>", sha!).trim()).toBe("codegen-crew <codegen-crew@users.noreply.github.com>");
      expect(existsSync(path.join(home, ".gitconfig"))).toBe(false);
      expect(git(repoDir, "config", "--local", "--list")).not.toMatch(/user\./);
    } finally {
      process.env.HOME = saved.HOME;
      if (saved.XDG_CONFIG_HOME !== undefined) process.env.XDG_CONFIG_HOME = saved.XDG_CONFIG_HOME;
    }
  });

  it("dispose removes the worktree but keeps the branch and its commits", async () => {
    const ws = await workspace();
    await ws.applyChange({ files: [{ path: "x.txt", content: "x\n" }] }, "developer");
    const sha = await ws.commit("x");
    await ws.dispose();
    expect(existsSync(ws.dir)).toBe(false);
    expect(git(repoDir, "worktree", "list")).not.toContain(ws.dir);
    expect(git(repoDir, "rev-parse", ws.branch).trim()).toBe(sha);
    await expect(ws.readFile("x.txt")).rejects.toBeInstanceOf(WorkspaceError);
    // The branch is free for another worktree (a rebase before the push checks it out again).
    const again = path.join(scratch, "again");
    git(repoDir, "worktree", "add", "--quiet", again, ws.branch);
    git(repoDir, "worktree", "remove", "--force", again);
  });
});

describe("applyChange under the change policy", () => {
  it("refuses every unsafe path and writes nothing outside the worktree", async () => {
    const outside = path.join(scratch, "outside");
    await mkdir(outside);
    await symlink(outside, path.join(repoDir, "linked"));
    git(repoDir, "add", "linked");
    git(repoDir, "commit", "--quiet", "-m", "add a link to outside");
    const ws = await workspace();
    const hooksBefore = await readdir(path.join(repoDir, ".git", "hooks"));
    const parentBefore = await readdir(path.dirname(ws.dir));

    const hostile = ["../x", "/etc/passwd", ".git/hooks/pre-commit", ".GIT/config", ".github/workflows/x.yml", ".env", "linked/evil.txt"];
    const result = await ws.applyChange(
      {
        files: [
          ...hostile.map((p) => ({ path: p, content: "pwned\n" })),
          { path: "big.bin", content: "x".repeat(2 * 1024 * 1024) },
          { path: "nul.txt", content: "a\0b" },
          { path: "fine.txt", content: "ok\n" },
        ],
      },
      "developer",
    );

    expect(result.written).toEqual(["fine.txt"]);
    const refusedPaths = result.refused.map((r) => r.path);
    for (const p of [...hostile.map((h) => h.replace(/^\.\//, "")), "big.bin", "nul.txt"]) expect(refusedPaths).toContain(p);
    for (const r of result.refused) expect(r.reason).toMatch(/^Refused /);

    expect(await readdir(outside)).toEqual([]);
    expect(await readdir(path.dirname(ws.dir))).toEqual(parentBefore);
    expect(await readdir(path.join(repoDir, ".git", "hooks"))).toEqual(hooksBefore);
    expect(await readFile("/etc/passwd", "utf8")).not.toContain("pwned");
    expect(existsSync(path.join(ws.dir, ".github/workflows/x.yml"))).toBe(false);
    expect(existsSync(path.join(ws.dir, ".env"))).toBe(false);
    expect((await ws.changedFiles()).map((f) => f.path)).toEqual(["fine.txt"]);
    // Reading through the link is refused as well: files outside the repository never reach a model.
    await writeFile(path.join(outside, "secret.txt"), "outside\n");
    expect(await ws.readFile("linked/secret.txt")).toBeNull();
  });

  it("caps a change at the policy's file count and keeps the rest", async () => {
    const ws = await workspace();
    const files = Array.from({ length: 1000 }, (_, i) => ({ path: `many/f${i}.txt`, content: `${i}\n` }));
    const result = await ws.applyChange({ files }, "developer");
    expect(result.written).toHaveLength(50);
    expect(result.refused).toHaveLength(950);
    expect(result.refused[0]!.reason).toContain("50 files");
    expect(await readdir(path.join(ws.dir, "many"))).toHaveLength(50);
  });

  it("applies the configured allow and deny lists", async () => {
    const ws = await workspace("codegen/policy", new ChangePolicy({ allow: ["src/**", "*.md"], deny: ["src/generated/**"] }));
    const result = await ws.applyChange(
      {
        files: [
          { path: "src/a.ts", content: "a" },
          { path: "docs/readme.md", content: "b" },
          { path: "src/generated/x.ts", content: "c" },
          { path: "package.json", content: "{}" },
        ],
      },
      "developer",
    );
    expect(result.written).toEqual(["src/a.ts", "docs/readme.md"]);
    expect(result.refused.map((r) => r.path)).toEqual(["src/generated/x.ts", "package.json"]);
    expect(result.refused[0]!.reason).toContain("paths.deny");
    expect(result.refused[1]!.reason).toContain("paths.allow");
  });
});
