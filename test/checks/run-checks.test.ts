import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Baseline } from "../../src/core/checks/baseline.js";
import type { CommandRunner } from "../../src/core/checks/command-runner.js";
import { policyCheck } from "../../src/core/checks/policy-check.js";
import { extractFailures, runChecks } from "../../src/core/checks/run-checks.js";
import { writeFiles } from "../support/temp-repo.js";
import { checksRunner } from "../support/checks-runner.js";

const runner = await checksRunner();

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "crew-checks-test-"));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes files under the test's folder; returns their paths, as the checks take them. */
const write = (files: Record<string, string>): Promise<string[]> => writeFiles(dir, files).then(() => Object.keys(files));

const MATH = "export const add = (a, b) => a + b;\nexport const sub = (a, b) => a - b;\n";
const testFile = (expectedSub: number) => `import test from "node:test";
import assert from "node:assert/strict";
import { add, sub } from "../src/math.js";
test("adds numbers", () => assert.equal(add(1, 2), 3));
test("subtracts numbers", () => assert.equal(sub(5, 2), ${expectedSub}));
`;
const nodeTest = { test: { command: "node --test", source: "config" } };
const OLD_TEST = 'import test from "node:test";\ntest("keeps old behaviour", () => {});\n';
/** A base commit whose tests passed; each test adds the names its run reported. */
const BASELINE: Baseline = { commit: "0".repeat(40), command: "node --test", status: "pass", exitCode: 0, failures: [], failuresComplete: true, durationMs: 1, network: "" };

describe("runChecks", () => {
  it("passes a JavaScript repository whose node --test suite passes", async () => {
    const changed = await write({ "package.json": '{ "type": "module" }\n', "src/math.js": MATH, "test/math.test.js": testFile(3) });
    const results = await runChecks({ runner, dir, changedFiles: changed, commands: nodeTest, timeoutMs: 30_000 });
    expect(results.map((r) => [r.name, r.status])).toEqual([
      ["syntax", "pass"],
      ["test", "pass"],
    ]);
    expect(results[1]).toMatchObject({ kind: "test", command: "node --test", exitCode: 0, failures: [] });
    expect(results[1]!.output).toContain("$ node --test   (from config)");
    expect(results[1]!.preExistingFailures).toEqual([]);
  });

  it("names the failing test and its location", async () => {
    const changed = await write({ "package.json": '{ "type": "module" }\n', "src/math.js": MATH, "test/math.test.js": testFile(4) });
    const [, test] = await runChecks({ runner, dir, changedFiles: changed, commands: nodeTest, timeoutMs: 30_000 });
    expect(test!.status).toBe("fail");
    expect(test!.exitCode).not.toBe(0);
    expect(test!.failures).toContain("subtracts numbers");
    expect(test!.failures).not.toContain("adds numbers");
    expect(test!.failures.some((f) => f.startsWith("test/math.test.js:"))).toBe(true);
  });

  it("does not run the tests when the syntax check fails", async () => {
    const marker = path.join(dir, "tests-ran");
    const changed = await write({ "src/math.js": "export const add = (a, b => a + b;\n" });
    const results = await runChecks({
      runner,
      dir,
      changedFiles: changed,
      commands: { lint: { command: `touch ${marker}`, source: "config" }, test: { command: `touch ${marker}`, source: "config" } },
      timeoutMs: 30_000,
    });
    expect(results.map((r) => [r.name, r.status])).toEqual([
      ["syntax", "fail"],
      ["lint", "skipped"],
      ["test", "skipped"],
    ]);
    expect(results[2]!.output).toContain("syntax errors must be fixed first");
    expect(existsSync(marker)).toBe(false);
  });

  it("runs the test command beside the syntax check, and a new file on its own only after it", async () => {
    const changed = await write({ "package.json": '{ "type": "module" }\n', "src/math.js": MATH, "test/math.test.js": testFile(3) });
    const { recording, spans } = recordingRunner();
    const results = await runChecks({ runner: recording, dir, changedFiles: changed, commands: nodeTest, newTestFiles: ["test/math.test.js"], timeoutMs: 30_000 });
    expect(results.map((r) => [r.name, r.status])).toEqual([
      ["syntax", "pass"],
      ["test", "pass"],
    ]);
    expect(results[1]!.notes).toContain("new tests: `node --test` ran test/math.test.js.");
    const syntax = spans.find((s) => s.command.includes("-e"))!;
    const suite = spans.find((s) => s.command === "node --test")!;
    const direct = spans.find((s) => s.command.includes("--test-reporter=tap"))!;
    expect(suite.start).toBeLessThan(syntax.end);
    expect(syntax.start).toBeLessThan(suite.end);
    // Without the base commit's test names, the run's output alone cannot say the names are the new file's.
    expect(direct.start).toBeGreaterThanOrEqual(suite.end);
  });

  it("does not run a new file on its own when the run reports its tests and the base commit's run never did", async () => {
    const changed = await write({ "package.json": '{ "type": "module" }\n', "src/math.js": MATH, "test/old.test.js": OLD_TEST, "test/math.test.js": testFile(3) });
    const { recording, spans } = recordingRunner();
    const base = { ...BASELINE, testNames: ["keeps old behaviour"] };
    const results = await runChecks({ runner: recording, dir, changedFiles: changed, commands: nodeTest, newTestFiles: ["test/math.test.js"], timeoutMs: 30_000, baseline: base });
    expect(results[1]).toMatchObject({ name: "test", status: "pass", failures: [] });
    expect(results[1]!.notes).toContain("new tests: `node --test` ran test/math.test.js.");
    expect(spans.filter((s) => s.command.includes("--test-reporter=tap"))).toEqual([]);

    // A name the base commit already had proves nothing: the file is run on its own to learn its names.
    const { recording: again, spans: againSpans } = recordingRunner();
    const collides = { ...BASELINE, testNames: ["keeps old behaviour", "adds numbers"] };
    const rerun = await runChecks({ runner: again, dir, changedFiles: changed, commands: nodeTest, newTestFiles: ["test/math.test.js"], timeoutMs: 30_000, baseline: collides });
    expect(rerun[1]!.notes).toContain("new tests: `node --test` ran test/math.test.js.");
    expect(againSpans.filter((s) => s.command.includes("--test-reporter=tap"))).toHaveLength(1);
  });

  it("fails the test check when a new file's declared tests are not in the run, though the base names are known", async () => {
    const changed = await write({ "package.json": '{ "type": "module" }\n', "src/math.js": MATH, "test/old.test.js": OLD_TEST, "spec/math.test.js": testFile(3) });
    const base = { ...BASELINE, testNames: ["keeps old behaviour"] };
    const commands = { test: { command: "node --test test/", source: "config" } };
    const results = await runChecks({ runner, dir, changedFiles: changed, commands, newTestFiles: ["spec/math.test.js"], timeoutMs: 30_000, baseline: base });
    expect(results[1]).toMatchObject({ name: "test", status: "fail", failures: ["new test file spec/math.test.js was not run by the test command `node --test test/`"] });
  });

  // The liveness bound: without the stop, a test that never ends holds the checks for 50 s.
  it("stops the test command started beside the syntax check when the syntax fails", { timeout: 20_000 }, async () => {
    const changed = await write({
      "package.json": '{ "type": "module" }\n',
      "src/math.js": "export const add = (a, b => a + b;\n",
      "test/hang.test.js": 'import test from "node:test";\ntest("never ends", () => new Promise(() => setInterval(() => {}, 1000)));\n',
    });
    const { recording, spans } = recordingRunner();
    const results = await runChecks({ runner: recording, dir, changedFiles: ["src/math.js"], commands: nodeTest, newTestFiles: ["test/hang.test.js"], timeoutMs: 50_000 });
    expect(results.map((r) => [r.name, r.status])).toEqual([
      ["syntax", "fail"],
      ["test", "skipped"],
    ]);
    expect(changed).toContain("test/hang.test.js");
    expect(spans.find((s) => s.command === "node --test")?.end).toBeGreaterThan(0);
    expect(spans.filter((s) => s.command.includes("--test-reporter=tap"))).toEqual([]);
  });

  it("reports a command that runs too long as a timeout with a note", async () => {
    const results = await runChecks({ runner, dir, changedFiles: [], commands: { test: { command: "sleep 30", source: "config" } }, timeoutMs: 500 });
    expect(results[0]!.status).toBe("skipped");
    expect(results[1]).toMatchObject({ name: "test", status: "timeout", exitCode: null });
    expect(results[1]!.output).toContain("did not finish within 0.5 s and was stopped");
  });

  it("says so when there is no test command", async () => {
    const results = await runChecks({ runner, dir, changedFiles: [], commands: {}, timeoutMs: 1000 });
    expect(results[1]).toMatchObject({ name: "test", status: "skipped" });
    expect(results[1]!.output).toMatch(/No test command was found/);
  });

  it("checks a Python repository with unittest: a failing test is named, the network note is there", async () => {
    const changed = await write({
      "calc.py": "def add(a, b):\n    return a + b\n\ndef sub(a, b):\n    return a + b\n",
      "tests/test_calc.py":
        "import unittest\nfrom calc import add, sub\n\nclass CalcTest(unittest.TestCase):\n    def test_add(self):\n        self.assertEqual(add(1, 2), 3)\n\n    def test_sub(self):\n        self.assertEqual(sub(5, 2), 3)\n",
    });
    const results = await runChecks({
      runner,
      dir,
      changedFiles: changed,
      commands: { test: { command: "python3 -m unittest discover -v -s tests", source: "config" } },
      timeoutMs: 30_000,
    });
    expect(results.map((r) => [r.name, r.status])).toEqual([
      ["syntax", "pass"],
      ["test", "fail"],
    ]);
    expect(results[1]!.failures[0]).toMatch(/^test_sub \(test_calc\.CalcTest/);
    expect(results[1]!.failures).toContain("tests/test_calc.py:9");
    expect(results[1]!.notes[0]).toMatch(/^network: (isolated \(unshare|NOT isolated: )/);
  });

  it("masks secrets in command output", async () => {
    const results = await runChecks({
      runner,
      dir,
      changedFiles: [],
      commands: { test: { command: "echo key=super-secret-key-1234; exit 1", source: "config" } },
      timeoutMs: 10_000,
      secrets: ["super-secret-key-1234"],
    });
    expect(results[1]!.output).toContain("key=***");
    expect(JSON.stringify(results)).not.toContain("super-secret-key-1234");
  });
});

describe("policyCheck", () => {
  it("reports refusals as notes without failing the stage", () => {
    expect(policyCheck([])).toMatchObject({ name: "policy", kind: "policy", status: "pass", notes: [] });
    const refused = policyCheck([{ path: ".github/workflows/x.yml", reason: "Refused .github/workflows/x.yml: it matches a protected path.", agent: "developer" }]);
    expect(refused).toMatchObject({ status: "pass", notes: ["developer: Refused .github/workflows/x.yml: it matches a protected path."] });
    expect(refused.output).toContain("1 path(s) refused and not written");
  });
});

describe("extractFailures", () => {
  it("reads pytest, unittest, go, cargo, jest and vitest output", () => {
    const output = [
      "FAILED tests/test_calc.py::test_sub - assert 3 == 4",
      "ERROR tests/test_db.py::test_connect - ConnectionError",
      "FAIL: test_div (test_calc.CalcTest.test_div)",
      "ERROR: test_mul (test_calc.CalcTest)",
      '  File "/repo/calc.py", line 12, in div',
      "--- FAIL: TestParse (0.00s)",
      "test parser::tests::rejects_empty ... FAILED",
      "FAIL src/sum.test.js",
      "  ✕ adds 1 + 2 to equal 3 (5 ms)",
      " × handles empty input 3ms",
      "ok 1 - passes fine",
      "not ok 2 - parses dates # TODO later",
      "not ok 3 - parses numbers",
      "    at Object.<anonymous> (/repo/node_modules/lib/index.js:10:5)",
    ].join("\n");
    const failures = extractFailures(output, { root: "/repo" });
    expect(failures).toEqual(
      [
        "tests/test_calc.py::test_sub",
        "tests/test_db.py::test_connect",
        "test_div (test_calc.CalcTest.test_div)",
        "test_mul (test_calc.CalcTest)",
        "TestParse",
        "parser::tests::rejects_empty",
        "src/sum.test.js",
        "adds 1 + 2 to equal 3",
        "handles empty input",
        "parses numbers",
        "tests/test_calc.py::test_sub",
        "calc.py:12",
      ].filter((entry, i, all) => all.indexOf(entry) === i),
    );
  });

  it("keeps at most 20 entries", () => {
    const output = Array.from({ length: 50 }, (_, i) => `--- FAIL: Test${i} (0.00s)`).join("\n");
    expect(extractFailures(output)).toHaveLength(20);
  });
});

/** The shared runner, with each command's start and end recorded (end stays 0 while it runs). */
function recordingRunner(): { recording: CommandRunner; spans: { command: string; start: number; end: number }[] } {
  const spans: { command: string; start: number; end: number }[] = [];
  const recording: CommandRunner = {
    record: runner.record,
    memo: runner.memo,
    run: async (opts) => {
      const span = { command: Array.isArray(opts.command) ? opts.command.join(" ") : opts.command, start: performance.now(), end: 0 };
      spans.push(span);
      try {
        return await runner.run(opts);
      } finally {
        span.end = performance.now();
      }
    },
  };
  return { recording, spans };
}
