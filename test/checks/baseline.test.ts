import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { forgetBaselines, judgeAgainstBaseline, runBaseline, type Baseline } from "../../src/core/checks/baseline.js";
import { runChecks } from "../../src/core/checks/run-checks.js";
import { createTempRepo, git, writeFiles } from "../support/temp-repo.js";
import { checksRunner } from "../support/checks-runner.js";

const runner = await checksRunner();

let repo: { dir: string; cleanup(): Promise<void> };
let scratch: string;

const MATH = "export const add = (a, b) => a + b;\nexport const sub = (a, b) => a + b; // known bug\n";
const BASE_TESTS = `import test from "node:test";
import assert from "node:assert/strict";
import { add, sub } from "../src/math.js";
test("adds numbers", () => assert.equal(add(1, 2), 3));
test("subtracts numbers (known bug)", () => assert.equal(sub(5, 2), 3));
`;
const nodeTest = { test: { command: "node --test", source: "config" } };

beforeEach(async () => {
  forgetBaselines(runner);
  repo = await createTempRepo({ "package.json": '{ "type": "module" }\n', ".gitignore": "node_modules\n", "src/math.js": MATH, "test/math.test.js": BASE_TESTS });
  scratch = await mkdtemp(path.join(os.tmpdir(), "crew-baseline-test-"));
});

afterEach(async () => {
  await repo.cleanup();
  await rm(scratch, { recursive: true, force: true });
});

describe("runBaseline", () => {
  it("runs the test command on the base commit in a worktree it removes afterwards", async () => {
    // Uncommitted work in the repository must not leak into the baseline: it is the base commit's result.
    await writeFiles(repo.dir, { "test/math.test.js": BASE_TESTS.replace("assert.equal(add(1, 2), 3)", "assert.equal(add(1, 2), 99)") });
    const baseline = await runBaseline({ runner, repoDir: repo.dir, baseCommit: "HEAD", commands: nodeTest, timeoutMs: 30_000, worktreeRoot: scratch });
    expect(baseline).toMatchObject({ commit: await git(repo.dir, "rev-parse", "HEAD"), command: "node --test", status: "fail", failuresComplete: true });
    expect(baseline.failures).toEqual(["subtracts numbers (known bug)"]);
    // Every name the run reported, passing or not: a new test file's names are told apart from these.
    expect(baseline.testNames).toEqual(["adds numbers", "subtracts numbers (known bug)"]);
    expect(baseline.network).toMatch(/^network: /);
    expect((await git(repo.dir, "worktree", "list")).split("\n")).toHaveLength(1);
    expect(await readdir(scratch)).toEqual([]);
  });

  it("caches per base commit and command, in memory and on disk", async () => {
    const cacheDir = path.join(scratch, "cache");
    const opts = { runner, repoDir: repo.dir, baseCommit: "HEAD", commands: nodeTest, timeoutMs: 30_000, cacheDir };
    const first = await runBaseline(opts);
    const [file] = await readdir(cacheDir);
    expect(file).toMatch(/^baseline-[0-9a-f]{32}\.json$/);
    expect(JSON.parse(await readFile(path.join(cacheDir, file!), "utf8"))).toEqual(first);

    // A marker the test command would write proves whether it ran again.
    const marker = path.join(scratch, "ran");
    const marking = { test: { command: `touch ${marker}; node --test`, source: "config" } };
    await runBaseline({ ...opts, commands: marking });
    expect(existsSync(marker)).toBe(true);
    await rm(marker);
    await runBaseline({ ...opts, commands: marking });
    expect(existsSync(marker)).toBe(false); // memory

    forgetBaselines(runner);
    const stored = (await readdir(cacheDir)).find((name) => name !== file)!;
    const edited = { ...JSON.parse(await readFile(path.join(cacheDir, stored), "utf8")), failures: ["from disk"] };
    await writeFile(path.join(cacheDir, stored), JSON.stringify(edited));
    expect((await runBaseline({ ...opts, commands: marking })).failures).toEqual(["from disk"]);
    expect(existsSync(marker)).toBe(false); // disk
  });

  it("shows the installed dependencies of another checkout in the baseline worktree, without a link the baseline could write through", async () => {
    await writeFiles(repo.dir, { "node_modules/answer/package.json": '{ "name": "answer", "main": "index.js" }', "node_modules/answer/index.js": "module.exports = 42;\n" });
    const script = "try { require('fs').writeFileSync('node_modules/answer/planted.js', '') } catch {} process.exit(require('answer') === 42 ? 0 : 1)";
    const commands = { test: { command: `node -e "${script}"`, source: "config" } };
    expect((await runBaseline({ runner, repoDir: repo.dir, baseCommit: "HEAD", commands, timeoutMs: 30_000 })).status).toBe("fail");
    forgetBaselines(runner);
    expect((await runBaseline({ runner, repoDir: repo.dir, baseCommit: "HEAD", commands, timeoutMs: 30_000, dependenciesFrom: repo.dir })).status).toBe("pass");
    expect(existsSync(path.join(repo.dir, "node_modules", "answer", "index.js"))).toBe(true);
    expect(existsSync(path.join(repo.dir, "node_modules", "answer", "planted.js"))).toBe(false);
  });

  it("resolves with an error instead of rejecting when the base commit does not exist", async () => {
    const baseline = await runBaseline({ runner, repoDir: repo.dir, baseCommit: "no-such-ref", commands: nodeTest, timeoutMs: 30_000 });
    expect(baseline.status).toBe("error");
    expect(baseline.reason).toContain("could not be resolved");
  });
});

describe("runChecks with a baseline", () => {
  it("passes when the only failing test already failed on the base commit, and fails on a new failure", async () => {
    const baseline = runBaseline({ runner, repoDir: repo.dir, baseCommit: "HEAD", commands: nodeTest, timeoutMs: 30_000 });
    const feature = "export const mul = (a, b) => a * b;\n";
    const featureTest = (expected: number) => `import test from "node:test";
import assert from "node:assert/strict";
import { mul } from "../src/mul.js";
test("multiplies numbers", () => assert.equal(mul(2, 3), ${expected}));
`;
    const changed = ["src/mul.js", "test/mul.test.js"];
    await writeFiles(repo.dir, { "src/mul.js": feature, "test/mul.test.js": featureTest(6) });
    const passing = await runChecks({ runner, dir: repo.dir, changedFiles: changed, commands: nodeTest, timeoutMs: 30_000, baseline, newTestFiles: ["test/mul.test.js"] });
    const test = passing.find((check) => check.name === "test")!;
    expect(test.exitCode).not.toBe(0);
    expect(test.status).toBe("pass");
    expect(test.failures).toEqual([]);
    expect(test.preExistingFailures).toEqual(["subtracts numbers (known bug)"]);
    expect(test.notes.join("\n")).toMatch(/also fail on the base commit [0-9a-f]{7}/);

    await writeFiles(repo.dir, { "test/mul.test.js": featureTest(7) });
    const failing = await runChecks({ runner, dir: repo.dir, changedFiles: changed, commands: nodeTest, timeoutMs: 30_000, baseline: await baseline });
    const broken = failing.find((check) => check.name === "test")!;
    expect(broken.status).toBe("fail");
    expect(broken.failures).toContain("multiplies numbers");
    expect(broken.failures).not.toContain("subtracts numbers (known bug)");
    expect(broken.preExistingFailures).toEqual(["subtracts numbers (known bug)"]);
  });

  it("fails, and says why, when neither run names its failing tests", async () => {
    const commands = { test: { command: "echo 'something is broken'; exit 1", source: "config" } };
    const baseline = await runBaseline({ runner, repoDir: repo.dir, baseCommit: "HEAD", commands, timeoutMs: 30_000 });
    expect(baseline).toMatchObject({ status: "fail", failures: [] });
    const [, test] = await runChecks({ runner, dir: repo.dir, changedFiles: [], commands, timeoutMs: 30_000, baseline });
    expect(test!.status).toBe("fail");
    expect(test!.notes.join("\n")).toMatch(/no failing test names could be read.*cannot be compared/);
  });
});

describe("judgeAgainstBaseline", () => {
  const base: Baseline = { commit: "abcdef1234567", command: "npm test", status: "fail", exitCode: 1, failures: ["old"], failuresComplete: true, durationMs: 1, network: "" };

  it("holds every failure against the change when the base commit passed or has no usable result", () => {
    expect(judgeAgainstBaseline({ exitCode: 1, names: ["old"], complete: true }, { ...base, status: "pass", failures: [] })).toMatchObject({ status: "fail", failures: ["old"] });
    const timedOut = judgeAgainstBaseline({ exitCode: 1, names: ["old"], complete: true }, { ...base, status: "timeout", reason: "too slow" });
    expect(timedOut).toMatchObject({ status: "fail", failures: ["old"], preExistingFailures: [] });
    expect(timedOut.notes[0]).toContain("too slow");
  });

  it("is conservative when the base commit's failures could not all be read", () => {
    expect(judgeAgainstBaseline({ exitCode: 1, names: ["old"], complete: true }, { ...base, failuresComplete: false }).status).toBe("fail");
    expect(judgeAgainstBaseline({ exitCode: 1, names: ["old"], complete: false }, base).status).toBe("fail");
    expect(judgeAgainstBaseline({ exitCode: 1, names: ["old"], complete: true }, base)).toMatchObject({ status: "pass", preExistingFailures: ["old"] });
  });
});
