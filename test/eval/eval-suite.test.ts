import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createSandbox, type Sandbox } from "../../src/core/checks/sandbox.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runEvalSuite } from "../../src/core/eval/run-suite.js";
import { summarySchema, taskResultSchema } from "../../src/core/eval/results-schema.js";
import type { EvalTask } from "../../src/core/eval/task-format.js";
import { buildStarterSuite, connectTo, goldAnswers, nodeWithTypeStripping, ROOT, startTaskModel, TEST_KEY } from "./eval-fixture.js";

let suite: Awaited<ReturnType<typeof buildStarterSuite>>;
let out: string;
let runnable: EvalTask[];
let runner: Sandbox;

beforeAll(async () => {
  suite = await buildStarterSuite();
  out = await mkdtemp(path.join(os.tmpdir(), "codegen-crew-eval-out-"));
  const typeStripping = await nodeWithTypeStripping();
  // A runner of its own whose PATH starts with that node: the shared one (support/checks-runner.ts) is made
  // once per worker from the PATH of its time, and this file may not be the first to use it.
  const PATH = typeStripping ? `${typeStripping}${path.delimiter}${process.env.PATH ?? ""}` : process.env.PATH;
  runner = await createSandbox({ environment: { ...process.env, ...(PATH ? { PATH } : {}) }, maxTier: "weak" });
  if (!typeStripping) console.warn("no Node >= 22.6 (CODEGEN_CREW_NODE24 is not set): the TypeScript starter tasks are left out (.ci/run sets it)");
  runnable = suite.tasks.filter((task) => typeStripping || task.language !== "typescript");
});

afterAll(async () => {
  await suite?.cleanup();
  await rm(out, { recursive: true, force: true });
});

describe("the starter suite", () => {
  it("has at least 12 tasks in JavaScript, TypeScript and Python, easiest first", () => {
    expect(suite.tasks.length).toBeGreaterThanOrEqual(12);
    expect(new Set(suite.tasks.map((t) => t.language))).toEqual(new Set(["javascript", "typescript", "python"]));
    const rank = { easy: 0, medium: 1, hard: 2 } as Record<string, number>;
    const order = suite.tasks.map((t) => rank[t.difficulty!]!);
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });

  // Also proves the tasks themselves: each run first checks that PASS_TO_PASS passes and FAIL_TO_PASS does
  // not at base_commit (a task failing that is an error, not resolved).
  it("resolves every task when the crew's model answers with the gold patches; files match their schema", { timeout: 480_000 }, async () => {
    const model = await startTaskModel(runnable, goldAnswers);
    try {
      const events: string[] = [];
      const run = await runEvalSuite({
        runner,
        tasks: runnable,
        jobs: 2,
        outDir: out,
        suite: suite.dir,
        connect: connectTo(model),
        secrets: [TEST_KEY],
        testTimeoutMs: 60_000,
        onEvent: (event) => events.push(event.type),
      });

      const notResolved = run.results.filter((r) => r.status !== "resolved").map((r) => `${r.instance_id}: ${r.status} ${r.error ?? ""} ${JSON.stringify(r.fail_to_pass)}`);
      expect(notResolved).toEqual([]);
      for (const result of run.results) {
        expect(result.result).toBe("ready");
        expect(result.fail_to_pass.passed.length).toBeGreaterThan(0);
        expect(result.model_calls).toBeGreaterThanOrEqual(6);
        expect(result.prompt_tokens).toBe(result.model_calls * 1_000);
      }

      // results.jsonl: one line per task, in suite order, exactly the documented fields.
      const lines = (await readFile(run.files.results, "utf8"))
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line));
      expect(lines.map((line) => line.instance_id)).toEqual(runnable.map((t) => t.instance_id));
      for (const line of lines) expect(taskResultSchema.strict().parse(line)).toEqual(line);
      const summary = summarySchema.strict().parse(JSON.parse(await readFile(run.files.summary, "utf8")));
      expect(summary).toMatchObject({ tasks: runnable.length, graded: runnable.length, resolved: runnable.length, errors: 0, resolved_rate: 1 });
      expect(summary.resolved_interval_95![1]).toBe(1);
      expect(summary.resolved_interval_95![0]).toBeLessThan(1);
      expect(summary.agreement).toMatchObject({ ready_and_resolved: runnable.length, rate: 1, ready_precision: 1 });

      const markdown = await readFile(run.files.markdown, "utf8");
      expect(markdown).toContain(`**${runnable.length} of ${runnable.length} resolved (100.0 %)**`);
      expect(markdown).toContain("xychart-beta");
      for (const task of runnable) expect(markdown).toContain(`| ${task.instance_id} | resolved | ready |`);
      expect(events.filter((e) => e === "task-end")).toHaveLength(runnable.length);
      for (const text of [markdown, ...lines.map((l) => JSON.stringify(l))]) expect(text).not.toContain(TEST_KEY);
    } finally {
      await model.close();
    }
  });
});

describe("documentation", () => {
  it("docs/eval.md names every field of results.jsonl and summary.json", async () => {
    const docs = await readFile(path.join(ROOT, "docs/eval.md"), "utf8");
    for (const key of [...Object.keys(taskResultSchema.shape), ...Object.keys(summarySchema.shape)]) expect(docs).toContain(`\`${key}\``);
  });

  it("the README lists the command", async () => {
    expect(await readFile(path.join(ROOT, "README.md"), "utf8")).toContain("codegen-crew eval");
  });
});
