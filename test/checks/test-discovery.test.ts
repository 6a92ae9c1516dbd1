import { execFileSync } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { runChecks } from "../../src/core/checks/run-checks.js";
import { resolveTestCommand, splitShell } from "../../src/core/checks/test-command.js";
import { createTempRepo, writeFiles } from "../support/temp-repo.js";
import { checksRunner } from "../support/checks-runner.js";

const runner = await checksRunner();

const repos: { cleanup(): Promise<void> }[] = [];

afterEach(async () => {
  for (const repo of repos.splice(0)) await repo.cleanup();
});

async function repoWith(files: Record<string, string>): Promise<string> {
  const repo = await createTempRepo(files);
  repos.push(repo);
  return repo.dir;
}

const nodeTestFile = (name: string) => `import test from "node:test";\nimport assert from "node:assert/strict";\ntest(${JSON.stringify(name)}, () => assert.ok(true));\n`;

async function testCheck(dir: string, command: string, newTestFiles: string[]) {
  const results = await runChecks({ runner, dir, changedFiles: newTestFiles, commands: { test: { command, source: "config" } }, timeoutMs: 30_000, newTestFiles });
  return results.find((check) => check.name === "test")!;
}

function hasPytest(): boolean {
  try {
    execFileSync("python3", ["-c", "import pytest"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

describe("new test files and the test command", () => {
  it("fails the test check when npm test's folder does not include the new file, and confirms the one it does", async () => {
    const dir = await repoWith({
      "package.json": JSON.stringify({ type: "module", scripts: { test: "node --test test/" } }),
      "test/existing.test.js": nodeTestFile("existing behaviour"),
    });
    await writeFiles(dir, { "spec/x.test.js": nodeTestFile("parses dates"), "test/y.test.js": nodeTestFile("parses numbers") });
    const test = await testCheck(dir, "npm test", ["spec/x.test.js", "test/y.test.js"]);
    expect(test.exitCode).toBe(0);
    expect(test.status).toBe("fail");
    expect(test.failures).toEqual(["new test file spec/x.test.js was not run by the test command `npm test`"]);
    expect(test.notes).toContain("new tests: `npm test` ran test/y.test.js.");
  });

  it("passes without any warning when every new file ran, although node's output names tests, not files", async () => {
    const dir = await repoWith({ "package.json": JSON.stringify({ type: "module", scripts: { test: "node --test" } }), "test/a.test.js": nodeTestFile("a") });
    await writeFiles(dir, { "test/b.test.js": nodeTestFile("b") });
    const test = await testCheck(dir, "npm test", ["test/b.test.js"]);
    expect(test.status).toBe("pass");
    expect(test.failures).toEqual([]);
    expect(test.notes.filter((note) => note.startsWith("new tests:"))).toEqual(["new tests: `npm test` ran test/b.test.js."]);
  });

  it("checks unittest runs by the test ids -v prints", async () => {
    const unittestFile = (method: string) =>
      `import unittest\nfrom calc import add\n\nclass CalcTest(unittest.TestCase):\n    def ${method}(self):\n        self.assertEqual(add(1, 2), 3)\n`;
    const dir = await repoWith({ "calc.py": "def add(a, b):\n    return a + b\n", "tests/test_calc.py": unittestFile("test_add") });
    await writeFiles(dir, { "tests/test_more.py": unittestFile("test_add_again"), "spec/test_elsewhere.py": unittestFile("test_add_elsewhere") });
    const test = await testCheck(dir, "python3 -m unittest discover -v -s tests", ["tests/test_more.py", "spec/test_elsewhere.py"]);
    expect(test.status).toBe("fail");
    expect(test.failures).toEqual(["new test file spec/test_elsewhere.py was not run by the test command `python3 -m unittest discover -v -s tests`"]);
    expect(test.notes).toContain("new tests: `python3 -m unittest discover -v -s tests` ran tests/test_more.py.");

    // Without -v, unittest prints only dots: nothing to confirm with, so a note and no failure.
    const quiet = await testCheck(dir, "python3 -m unittest discover -s tests", ["spec/test_elsewhere.py"]);
    expect(quiet.status).toBe("pass");
    expect(quiet.notes.join("\n")).toContain("could not confirm that `python3 -m unittest discover -s tests` ran spec/test_elsewhere.py");
  });

  it.skipIf(!hasPytest())("checks pytest runs by the paths it reports with -rA", async () => {
    const dir = await repoWith({ "calc.py": "def add(a, b):\n    return a + b\n", "tests/test_calc.py": "from calc import add\n\ndef test_add():\n    assert add(1, 2) == 3\n" });
    await writeFiles(dir, {
      "tests/test_new.py": "from calc import add\n\ndef test_new():\n    assert add(2, 2) == 4\n",
      "spec/test_lost.py": "def test_lost():\n    assert True\n",
    });
    const test = await testCheck(dir, "python3 -m pytest -q -p no:cacheprovider tests", ["tests/test_new.py", "spec/test_lost.py"]);
    expect(test.status).toBe("fail");
    expect(test.failures).toEqual(["new test file spec/test_lost.py was not run by the test command `python3 -m pytest -q -p no:cacheprovider tests`"]);
    expect(test.notes.join("\n")).toContain("ran tests/test_new.py");
  });

  it("only notes, never fails, when the command runs tests in a way it cannot follow", async () => {
    const dir = await repoWith({ "run-tests.sh": "echo all good\n", "test/a.test.js": nodeTestFile("a") });
    const test = await testCheck(dir, "sh run-tests.sh", ["test/a.test.js"]);
    expect(test.status).toBe("pass");
    expect(test.notes.join("\n")).toContain("could not confirm that `sh run-tests.sh` ran test/a.test.js");
  });
});

describe("resolveTestCommand", () => {
  it("follows package scripts, wrappers and chains to the runners", async () => {
    const dir = await repoWith({
      "package.json": JSON.stringify({
        scripts: { test: "npm run lint && npm run unit", lint: "eslint .", unit: "cross-env NODE_ENV=test c8 node --import tsx --test-reporter=spec --test 'test/**/*.test.ts'" },
      }),
    });
    const resolved = await resolveTestCommand(dir, "npm test");
    expect(resolved).toEqual({ runners: [{ kind: "node", program: "node", flags: ["--import", "tsx"], assignments: ["NODE_ENV=test"] }], unknown: [] });
    expect((await resolveTestCommand(dir, "python3 -m pytest -q; make check")).unknown).toEqual(["make"]);
    expect((await resolveTestCommand(dir, "npx vitest run")).runners).toEqual([{ kind: "vitest" }]);
  });

  it("splits a shell line into simple commands, honouring quotes", () => {
    expect(splitShell(`a "b c" && d 'e;f' | g\\ h; i`)).toEqual([["a", "b c"], ["d", "e;f"], ["g h"], ["i"]]);
  });
});
