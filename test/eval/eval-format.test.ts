import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SuiteError } from "../../src/core/errors.js";
import { gradeTask } from "../../src/core/eval/grade.js";
import { loadSuite, loadSweBench } from "../../src/core/eval/load-suite.js";
import { renderSummaryMarkdown } from "../../src/core/eval/render-summary.js";
import { summarySchema, type TaskResult } from "../../src/core/eval/results-schema.js";
import { summarize } from "../../src/core/eval/summary.js";
import { wilsonInterval } from "../../src/core/eval/wilson.js";

const PATCH = "diff --git a/t.py b/t.py\n--- /dev/null\n+++ b/t.py\n@@ -0,0 +1 @@\n+x = 1\n";
const line = (fields: Record<string, unknown> = {}) =>
  JSON.stringify({
    instance_id: "owner__repo-1",
    repo: "repos/a.bundle",
    base_commit: "a".repeat(40),
    problem_statement: "Fix it",
    test_patch: PATCH,
    FAIL_TO_PASS: ["t.py::test_a"],
    PASS_TO_PASS: [],
    test_command: "python3 -m pytest -rA",
    ...fields,
  });

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "codegen-crew-eval-format-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function suiteOf(...lines: string[]): Promise<string> {
  const suite = await mkdtemp(path.join(dir, "suite-"));
  await writeFile(path.join(suite, "tasks.jsonl"), `${lines.join("\n")}\n`);
  return suite;
}

async function errorOf(promise: Promise<unknown>): Promise<SuiteError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SuiteError);
  return error as SuiteError;
}

describe("tasks.jsonl", () => {
  it("reads SWE-bench's fields, test lists as arrays or JSON strings, repo relative to the suite folder", async () => {
    const suite = await suiteOf(line(), "", line({ instance_id: "b", FAIL_TO_PASS: '["t.py::test_b"]', PASS_TO_PASS: "[]", patch: "diff --git a/x b/x\n", language: "python" }));
    const tasks = await loadSuite(suite);
    expect(tasks.map((t) => t.instance_id)).toEqual(["owner__repo-1", "b"]);
    expect(tasks[0]!.repo).toBe(path.join(suite, "repos/a.bundle"));
    expect(tasks[1]).toMatchObject({ FAIL_TO_PASS: ["t.py::test_b"], PASS_TO_PASS: [], gold_patch: "diff --git a/x b/x\n", language: "python" });
    expect((await loadSuite(suite, ["b"])).map((t) => t.instance_id)).toEqual(["b"]);
  });

  it.each([
    [line({ FAIL_TO_PASS: undefined }), 'tasks.jsonl:1: field "FAIL_TO_PASS" is missing', "FAIL_TO_PASS"],
    [line({ FAIL_TO_PASS: "not json" }), 'field "FAIL_TO_PASS" expected a JSON array', "FAIL_TO_PASS"],
    [line({ base_commit: "main" }), 'field "base_commit" expected a commit sha', "base_commit"],
    [line({ test_patch: "just text" }), 'field "test_patch" expected a unified diff', "test_patch"],
    [line({ instance_id: "../escape" }), 'field "instance_id" letters, digits', "instance_id"],
    ["{not json", "tasks.jsonl:1: not valid JSON", undefined],
  ])("names the line and the field: %s", async (text, message, key) => {
    const error = await errorOf(loadSuite(await suiteOf(text)));
    expect(error.message).toContain(message);
    expect(error.line).toBe(1);
    expect(error.key).toBe(key);
  });

  it("rejects repeated ids, unknown --tasks and a folder without tasks.jsonl", async () => {
    expect((await errorOf(loadSuite(await suiteOf(line(), line())))).message).toContain('tasks.jsonl:2: field "instance_id" repeats owner__repo-1 from line 1');
    expect((await errorOf(loadSuite(await suiteOf(line()), ["nope"]))).message).toContain("no task with instance_id nope");
    expect((await errorOf(loadSuite(dir))).message).toContain("no such file");
  });

  it("reads a SWE-bench file with clones under DIR/owner__name and a default test command", async () => {
    const file = path.join(dir, "swe.jsonl");
    const swe = (fields: Record<string, unknown>) => JSON.stringify({ ...JSON.parse(line()), repo: "django/django", test_command: undefined, ...fields });
    await writeFile(file, `${swe({})}\n${swe({ instance_id: "two", test_command: "./runtests.py" })}\n`);
    const tasks = await loadSweBench(file, path.join(dir, "clones"), { testCommand: "python3 -m pytest -rA" });
    expect(tasks.map((t) => [t.repo, t.test_command])).toEqual([
      [path.join(dir, "clones", "django__django"), "python3 -m pytest -rA"],
      [path.join(dir, "clones", "django__django"), "./runtests.py"],
    ]);
    expect((await errorOf(loadSweBench(file, dir))).message).toContain('field "test_command" is missing');
  });
});

describe("grading and the summary", () => {
  const lists = { FAIL_TO_PASS: ["f1", "f2"], PASS_TO_PASS: ["p1"] };
  const outcomes = (map: Record<string, "passed" | "failed">) => (name: string) => map[name];

  it("is resolved only when every listed test passes; partial when some FAIL_TO_PASS pass; missing counts as not passing", () => {
    expect(gradeTask(lists, outcomes({ f1: "passed", f2: "passed", p1: "passed" })).status).toBe("resolved");
    expect(gradeTask(lists, outcomes({ f1: "passed", f2: "failed", p1: "passed" })).status).toBe("partial");
    expect(gradeTask(lists, outcomes({ f1: "passed", f2: "passed", p1: "failed" })).status).toBe("partial");
    expect(gradeTask(lists, outcomes({ f1: "failed", p1: "passed" }))).toEqual({
      status: "unresolved",
      fail_to_pass: { passed: [], failed: ["f1"], missing: ["f2"] },
      pass_to_pass: { passed: ["p1"], failed: [], missing: [] },
    });
  });

  it("computes the Wilson interval (known values)", () => {
    const close = (actual: [number, number] | null, expected: [number, number]) => {
      expect(actual![0]).toBeCloseTo(expected[0], 4);
      expect(actual![1]).toBeCloseTo(expected[1], 4);
    };
    close(wilsonInterval(5, 10), [0.2366, 0.7634]);
    close(wilsonInterval(81, 263), [0.2553, 0.3662]); // Newcombe (1998), method 3
    close(wilsonInterval(0, 10), [0, 0.2775]);
    close(wilsonInterval(10, 10), [0.7225, 1]);
    expect(wilsonInterval(0, 0)).toBeNull();
  });

  it("leaves errors out of the rate, counts agreement, totals and medians", () => {
    const result = (id: string, status: TaskResult["status"], crew: TaskResult["result"], cost: number): TaskResult => ({
      instance_id: id,
      status,
      fail_to_pass: { passed: [], failed: [], missing: [] },
      pass_to_pass: { passed: [], failed: [], missing: [] },
      result: crew,
      model_calls: crew ? 6 : 0,
      prompt_tokens: crew ? 1000 : 0,
      completion_tokens: crew ? 100 : 0,
      cost_usd: cost,
      wall_seconds: 10,
      repair_rounds: 0,
      error: status === "error" ? "broken | base" : null,
    });
    const results = [result("a", "resolved", "ready", 0.01), result("b", "resolved", "draft", 0.03), result("c", "unresolved", "ready", 0.02), result("d", "error", null, 0)];
    const summary = summarySchema.parse(summarize(results, { suite: "s", model: "m", startedAt: new Date(0), endedAt: new Date(1000) }));
    expect(summary).toMatchObject({ tasks: 4, errors: 1, graded: 3, resolved: 2, resolved_rate: 2 / 3 });
    expect(summary.agreement).toEqual({ ready_and_resolved: 1, ready_not_resolved: 1, not_ready_resolved: 1, not_ready_not_resolved: 0, rate: 1 / 3, ready_precision: 0.5 });
    expect(summary.cost_usd).toEqual({ total: 0.06, median: 0.02 });
    expect(summary.prompt_tokens).toEqual({ total: 3000, median: 1000 });
    const markdown = renderSummaryMarkdown(summary, results);
    expect(markdown).toContain("**2 of 3 resolved (66.7 %)**, 95 % interval 20.8 %–93.9 % (Wilson)");
    expect(markdown).toContain('x-axis ["resolved (2)", "unresolved (1)", "error (1)"]');
    expect(markdown).toContain("| d | error | – | 0/0 | 0/0 | 0 | 0 | 0.0000 | 10.0 | broken \\| base |");
  });
});
