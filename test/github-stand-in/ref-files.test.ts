import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readRefFile } from "../support/github/ref-files.js";

const exec = promisify(execFile);
let root: string;
let gitDir: string;

async function git(...args: string[]): Promise<string> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("GIT_")));
  const identity = ["-c", "user.name=test", "-c", "user.email=test@example.invalid"];
  return (await exec("git", [...identity, "--git-dir", gitDir, ...args], { env })).stdout.trim();
}

async function commit(message: string): Promise<string> {
  const tree = await git("hash-object", "-w", "-t", "tree", "/dev/null");
  return git("commit-tree", tree, "-m", message);
}

beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "stand-in-refs-"));
  gitDir = path.join(root, "repo.git");
  await exec("git", ["init", "--quiet", "--bare", "--initial-branch=main", gitDir]);
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("GitHub stand-in: refs read from the bare repository's files", () => {
  it("reads loose refs, packed refs and the symbolic HEAD, and sees every change at once", async () => {
    const first = await commit("first");
    const second = await commit("second");
    await git("update-ref", "refs/heads/main", first);
    await git("update-ref", "refs/heads/feature/x", second);
    expect(await readRefFile(gitDir, "refs/heads/main")).toBe(first);
    expect(await readRefFile(gitDir, "HEAD")).toBe(first);

    await git("pack-refs", "--all");
    expect(await readRefFile(gitDir, "refs/heads/feature/x")).toBe(second);
    // A loose ref written after packing wins over its packed value, as in git.
    await git("update-ref", "refs/heads/main", second);
    expect(await readRefFile(gitDir, "HEAD")).toBe(second);
    await git("update-ref", "-d", "refs/heads/feature/x");
    expect(await readRefFile(gitDir, "refs/heads/feature/x")).toBeUndefined();
    expect(await readRefFile(gitDir, "refs/heads")).toBeUndefined();
    expect(await readRefFile(gitDir, "refs/heads/nope")).toBeUndefined();
  });

  it("refuses names git would refuse, so no ref name reads a file outside the repository", async () => {
    const sha = await commit("outside");
    await writeFile(path.join(root, "planted"), `${sha}\n`);
    await writeFile(path.join(gitDir, "refs", "heads", "x.lock"), `${sha}\n`);
    expect(await readRefFile(gitDir, "refs/../../planted")).toBeUndefined();
    expect(await readRefFile(gitDir, "refs/heads/../../../planted")).toBeUndefined();
    expect(await readRefFile(gitDir, "refs/heads/x.lock")).toBeUndefined();
    await writeFile(path.join(gitDir, "refs", "heads", "main"), `ref: refs/../../planted\n`);
    expect(await readRefFile(gitDir, "HEAD")).toBeUndefined();
  });
});
