import { execFile, spawn } from "node:child_process";
import { rm, stat } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSandbox, type Sandbox } from "../../src/core/checks/sandbox.js";
import {
  BOMBS_SCRIPT,
  createHostileWorld,
  gitState,
  judgeOnHost,
  nicenessOf,
  parseBombs,
  runHostile,
  TEST_LIMITS,
  type HostileOutcome,
  type HostileWorld,
} from "./sandbox-support/world.js";

/**
 * The sandbox's promises, each tried by a check command written like model output (sandbox-support/
 * hostile-check.mjs) against a host with something to steal, in every tier this machine offers. CI runs as
 * root: the strong tier is tested for real, and the namespaced tier from a throwaway uid.
 */

const isRoot = process.getuid?.() === 0;
const NOBODY = 65534;
const here = path.dirname(fileURLToPath(import.meta.url));

function expectIsolated(outcome: HostileOutcome): void {
  // Every escape fails, seen from inside…
  expect(outcome.inside, outcome.output).toMatchObject({
    environ: false,
    home: false,
    sibling: false,
    tcp: false,
    unix: false,
    gitConfig: false,
    gitHook: false,
    gitPointer: false,
    userns: false,
  });
  // …and from the host: nothing arrived, nothing was written, nothing still runs.
  expect(outcome.udpReceived).toBe(false);
  expect(outcome.wroteOutside).toEqual([]);
  expect(outcome.gitChanged).toBe(false);
  expect(outcome.daemonSurvived).toBe(false);
  // Positive controls: tests can still write their worktree and temp folder and talk over their own loopback.
  expect(outcome.inside).toMatchObject({ worktreeWritable: true, tmpWritable: true, loopback: true });
}

function expectBombsStopped(output: string): void {
  const bombs = parseBombs(output);
  expect(bombs.forks, output).toBeGreaterThan(0);
  expect(bombs.forks).toBeLessThan(TEST_LIMITS.processes);
  expect(bombs.memory).toBe("refused");
  expect(bombs.fileSize).toBe(TEST_LIMITS.fileSizeBytes);
  expect(bombs.descriptors.trim().split(" ")).toEqual(["0", "1", "2", "3"]); // 3: the folder ls reads
}

/** A background command's shell and what it starts run 10 nicer than a normal command's (capped at 19). */
function expectBackgroundNiced(seen: { normal: string; background: string }): void {
  const normal = seen.normal.trim().split("\n").map(Number);
  expect(normal, seen.normal).toHaveLength(2);
  expect(seen.background.trim().split("\n").map(Number), seen.background).toEqual(normal.map((n) => Math.min(n + 10, 19)));
}

describe("strong tier: bubblewrap as root without a user namespace, the command on a throwaway uid", () => {
  let world: HostileWorld;
  let sandbox: Sandbox;

  beforeAll(async () => {
    world = await createHostileWorld(0);
    sandbox = await createSandbox({ environment: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: world.botHome }, limits: TEST_LIMITS });
  });
  afterAll(async () => world.close());

  it("is the tier the probe picks when the bot is root, with what its self-test proved", () => {
    if (!isRoot) {
      // Not root here: the probe must say so rather than pretend.
      expect(sandbox.tier).not.toBe("strong");
      expect(sandbox.declined.join("; ")).toMatch(/strong: (root is not available|bubblewrap)/);
      return;
    }
    expect(sandbox.tier).toBe("strong");
    expect(sandbox.record.proven.join("\n")).toMatch(/uid 6\d{4} \(a throwaway uid/);
    expect(sandbox.record.proven).toEqual(expect.arrayContaining(["network: loopback only", "user namespaces: blocked", "inherited descriptors: closed"]));
  });

  it.runIf(isRoot)("keeps a model-written check from every escape, and gives the worktree back to the bot", async () => {
    const outcome = await runHostile(sandbox, world);
    expectIsolated(outcome);
    expect(outcome.worktreeFileOwner).toBe(0);
    const result = await sandbox.run({ command: "id -u", cwd: world.worktree, timeoutMs: 10_000 });
    expect(result.sandbox.tier).toBe("strong");
    expect(result.output.trim()).toMatch(/^6\d{4}$/);
  });

  it.runIf(isRoot)("stops fork, memory and file-size bombs at the limits, and closes inherited descriptors", async () => {
    const result = await sandbox.run({ command: BOMBS_SCRIPT, cwd: world.worktree, timeoutMs: 60_000 });
    expectBombsStopped(result.output);
    await rm(path.join(world.worktree, "big.bin"), { force: true });
  });

  it.runIf(isRoot)("runs a background command's whole process tree at a lower CPU priority", async () => {
    expectBackgroundNiced(await nicenessOf(sandbox, world.worktree));
  });

  it.runIf(isRoot)("keeps a held worktree with the throwaway uid across commands, and gives it back once released", async () => {
    const lease = await sandbox.lease();
    try {
      const release = await lease.holdWorktree!(world.worktree);
      const first = await lease.run({ command: "id -u; stat -c %u .", cwd: world.worktree, timeoutMs: 10_000 });
      const [uid, owner] = first.output.trim().split("\n");
      expect(owner).toBe(uid);
      // Between the held commands the worktree stays the throwaway uid's.
      expect(String((await stat(world.worktree)).uid)).toBe(uid);
      await lease.run({ command: "true", cwd: world.worktree, timeoutMs: 10_000 });
      expect(String((await stat(world.worktree)).uid)).toBe(uid);
      await release();
      expect((await stat(world.worktree)).uid).toBe(0);
    } finally {
      await lease.release();
    }
  });

  it.runIf(isRoot)("gives each concurrent job a uid of its own", async () => {
    const first = await sandbox.lease();
    const second = await sandbox.lease();
    try {
      const [a, b] = await Promise.all([first, second].map((runner) => runner.run({ command: "id -u", cwd: world.worktree, timeoutMs: 10_000 })));
      const uids = [a!.output.trim(), b!.output.trim(), String(sandbox.record.proven[0]?.match(/uid (\d+)/)?.[1])];
      expect(new Set(uids).size).toBe(3);
      expect(uids).not.toContain("0");
    } finally {
      await first.release();
      await second.release();
    }
    expect((await stat(world.worktree)).uid).toBe(0);
  });
});

/** Runs namespaced-child.ts as `uid`, with an extra inherited descriptor (fd 3) the sandbox must close. */
function runChildAs(uid: number, input: unknown): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      "setpriv",
      [`--reuid=${uid}`, `--regid=${uid}`, "--clear-groups", process.execPath, "--import", "tsx", path.join(here, "sandbox-support", "namespaced-child.ts"), JSON.stringify(input)],
      {
        cwd: path.resolve(here, "../.."),
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: "/nonexistent" },
        stdio: ["ignore", "pipe", "pipe", "pipe"],
      },
    );
    let out = "";
    let err = "";
    child.stdout!.on("data", (chunk: Buffer) => (out += String(chunk)));
    child.stderr!.on("data", (chunk: Buffer) => (err += String(chunk)));
    child.on("error", reject);
    child.on("close", (code) => {
      const line = out.trim().split("\n").pop() ?? "";
      if (code !== 0 || !line.startsWith("{")) reject(new Error(`child exited with ${code}: ${err || out}`));
      else resolve(JSON.parse(line) as Record<string, unknown>);
    });
  });
}

function unshareAs(uid: number): Promise<{ ok: boolean; reason: string }> {
  return new Promise((resolve) =>
    execFile("setpriv", [`--reuid=${uid}`, `--regid=${uid}`, "--clear-groups", "unshare", "--user", "true"], (error, _out, stderr) =>
      resolve({ ok: !error, reason: stderr.trim() }),
    ),
  );
}

describe.runIf(isRoot)("namespaced tier: unprivileged bubblewrap, tried as a throwaway user", () => {
  let world: HostileWorld;
  beforeAll(async () => {
    world = await createHostileWorld(NOBODY);
  });
  afterAll(async () => world.close());

  it("is picked without root when the kernel allows user namespaces, and keeps the check from every escape", async () => {
    const kernel = await unshareAs(NOBODY);
    const before = await gitState(world);
    const child = await runChildAs(NOBODY, { worktree: world.worktree, config: world.config, botHome: world.botHome });
    expect((child.declined as string[]).join("; ")).toMatch(/strong: root is not available/);
    if (!kernel.ok) {
      // This kernel forbids unprivileged user namespaces: the tier is unavailable, and the probe says why.
      expect(child.tier).toBe("weak");
      expect((child.declined as string[]).join("; ")).toMatch(/namespaced: /);
      return;
    }
    expect(child.tier).toBe("namespaced");
    const outcome = await judgeOnHost(world, before, child.hostile as string);
    expectIsolated(outcome);
    expect(outcome.worktreeFileOwner).toBe(NOBODY);
    expectBombsStopped(child.bombs as string);
    expectBackgroundNiced(child.niceness as { normal: string; background: string });
  });
});

describe("weak tier: what it does not cover is real, and every result says so", () => {
  let world: HostileWorld;
  let sandbox: Sandbox;
  beforeAll(async () => {
    world = await createHostileWorld(process.getuid?.() ?? 0);
    sandbox = await createSandbox({ environment: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: world.botHome }, maxTier: "weak" });
  });
  afterAll(async () => world.close());

  it("lets the same check read the bot's files and reach a Unix socket, and records the gaps in plain words", async () => {
    const outcome = await runHostile(sandbox, world);
    expect(outcome.inside, outcome.output).toMatchObject({ home: true, sibling: true, unix: true, gitConfig: true, worktreeWritable: true });
    expect(outcome.gitChanged).toBe(true);
    const result = await sandbox.run({ command: "true", cwd: world.worktree, timeoutMs: 10_000 });
    expect(result.sandbox.tier).toBe("weak");
    expect(result.sandbox.gaps.join("\n")).toMatch(/file reads are NOT isolated/);
    expect(result.sandbox.gaps.join("\n")).toMatch(/other processes are NOT isolated/);
  });

  it("runs a background command's whole process tree at a lower CPU priority", async () => {
    expectBackgroundNiced(await nicenessOf(sandbox, world.worktree));
  });
});
