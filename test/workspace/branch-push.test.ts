import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { pushOnTop } from "../../src/core/workspace/branch-push.js";
import { createTempRepo, git, writeFiles } from "../support/temp-repo.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** A bare "remote" with main and the bot's branch, the bot's clone with one new commit on it, and a person's clone. */
async function setup() {
  const root = await mkdtemp(path.join(os.tmpdir(), "codegen-crew-push-"));
  cleanups.push(() => rm(root, { recursive: true, force: true }));
  const seed = await createTempRepo({ "a.txt": "a\n" });
  cleanups.push(() => seed.cleanup());
  const remote = path.join(root, "remote.git");
  await git(root, "clone", "-q", "--bare", seed.dir, remote);
  await git(seed.dir, "push", "-q", remote, "HEAD:refs/heads/codegen-crew/issue-1");
  const bot = path.join(root, "bot");
  await git(root, "clone", "-q", remote, bot);
  await git(bot, "checkout", "-q", "-b", "local", "origin/codegen-crew/issue-1");
  const since = await git(bot, "rev-parse", "HEAD");
  await writeFiles(bot, { "b.txt": "the bot's file\n" });
  await git(bot, "add", "-A");
  await git(bot, "-c", "user.name=bot", "-c", "user.email=bot@example.invalid", "commit", "-q", "-m", "bot: b");
  await git(bot, "checkout", "-q", "--detach");
  const person = path.join(root, "person");
  await git(root, "clone", "-q", "-b", "codegen-crew/issue-1", remote, person);
  return { remote, bot, person, since };
}

async function pushAsPerson(dir: string, file: string, content: string): Promise<string> {
  await writeFiles(dir, { [file]: content });
  await git(dir, "add", "-A");
  await git(dir, "-c", "user.name=person", "-c", "user.email=person@example.invalid", "commit", "-q", "-m", `person: ${file}`);
  await git(dir, "push", "-q", "origin", "HEAD:codegen-crew/issue-1");
  return git(dir, "rev-parse", "HEAD");
}

describe("pushOnTop", () => {
  it("puts the bot's commits on top of commits a person pushed meanwhile, re-checks, and never rewrites theirs", async () => {
    const { remote, bot, person, since } = await setup();
    const theirs = await pushAsPerson(person, "c.txt", "a person's file\n");
    const rechecked: string[] = [];

    const pushed = await pushOnTop({
      repoDir: bot,
      remote: { url: remote },
      localBranch: "local",
      remoteBranch: "codegen-crew/issue-1",
      since,
      recheck: async (head) => void rechecked.push(head),
    });

    expect(pushed.rebasedOnto).toBe(theirs);
    expect(rechecked).toEqual([pushed.head]);
    const remoteHead = await git(remote, "rev-parse", "codegen-crew/issue-1");
    expect(remoteHead).toBe(pushed.head);
    expect(await git(remote, "rev-parse", `${remoteHead}~1`)).toBe(theirs); // theirs untouched, ours on top
    expect(await git(remote, "show", `${remoteHead}:c.txt`)).toBe("a person's file");
    expect(await git(remote, "show", `${remoteHead}:b.txt`)).toBe("the bot's file");
  });

  it("stops with a clear error and pushes nothing when the bot's commits conflict with theirs", async () => {
    const { remote, bot, person, since } = await setup();
    const theirs = await pushAsPerson(person, "b.txt", "their version of b\n");

    await expect(pushOnTop({ repoDir: bot, remote: { url: remote }, localBranch: "local", remoteBranch: "codegen-crew/issue-1", since })).rejects.toThrow(
      /codegen-crew\/issue-1 changed while codegen-crew worked and its commits do not apply on top of the new ones.*nothing was pushed/,
    );
    expect(await git(remote, "rev-parse", "codegen-crew/issue-1")).toBe(theirs);
  });
});
