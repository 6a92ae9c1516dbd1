import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { checksRunner } from "../support/checks-runner.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runEvalCommand } from "../../src/cli/eval-command.js";
import { main } from "../../src/cli/main.js";
import { runEvalSuite } from "../../src/core/eval/run-suite.js";
import { summarySchema, taskResultSchema } from "../../src/core/eval/results-schema.js";
import { seedRepository } from "../../src/core/eval/seed-repo.js";
import type { EvalTask } from "../../src/core/eval/task-format.js";
import { validateTask } from "../../src/core/eval/validate-suite.js";
import { buildStarterSuite, connectTo, goldAnswers, startTaskModel, STARTER_SOURCES, TEST_KEY, folderFiles } from "./eval-fixture.js";

const exec = promisify(execFile);
const gitIn = async (dir: string, ...args: string[]) => (await exec("git", args, { cwd: dir })).stdout.trim();

let suite: Awaited<ReturnType<typeof buildStarterSuite>>;
let scratch: string;
const task = (id: string): EvalTask => suite.tasks.find((t) => t.instance_id === id)!;

beforeAll(async () => {
  suite = await buildStarterSuite();
  scratch = await mkdtemp(path.join(os.tmpdir(), "codegen-crew-eval-cases-"));
});
afterAll(async () => {
  await suite?.cleanup();
  await rm(scratch, { recursive: true, force: true });
});

describe("a fresh repository at base_commit", () => {
  it("holds the base commit and nothing after it, not even unreachable objects", async () => {
    const bundle = task("js-median").repo;
    // The bundle's main: base → fix → tests. The fix must not reach the crew.
    const clone = path.join(scratch, "full");
    await exec("git", ["clone", "-q", "--bare", bundle, clone]);
    const [testsCommit, fixCommit, base] = (await gitIn(clone, "rev-list", "main")).split("\n");
    expect(base).toBe(task("js-median").base_commit);
    const fixedStats = await gitIn(clone, "rev-parse", `${fixCommit}:src/stats.js`);

    const seeded = await seedRepository(bundle, base!.slice(0, 12), path.join(scratch, "seeded"), scratch);
    expect(seeded.baseCommit).toBe(base);
    expect(await gitIn(seeded.dir, "rev-list", "--all")).toBe(base);
    const objects = (await gitIn(seeded.dir, "cat-file", "--batch-all-objects", "--batch-check=%(objectname)")).split("\n");
    for (const later of [testsCommit!, fixCommit!, fixedStats]) expect(objects).not.toContain(later);
    await expect(exec("git", ["cat-file", "-e", fixCommit!], { cwd: seeded.dir })).rejects.toThrow();
    expect(await readFile(path.join(seeded.dir, "src/stats.js"), "utf8")).not.toContain("median");
    expect((await gitIn(seeded.dir, "status", "--porcelain")) + (await gitIn(seeded.dir, "branch", "--show-current"))).toBe("main");
  });
});

describe("grading", () => {
  it("a buggy patch is partial, names the failing hidden test, and the crew's own edit of that test file does not count", async () => {
    const paginate = task("js-paginate");
    const gold = await folderFiles(path.join(STARTER_SOURCES, "js-paginate", "gold"));
    // Pages are fixed but a page past the end is no longer clamped.
    const buggy = gold.map((file) => ({ ...file, content: file.content.replace("Math.min(Math.max(1, page), pages)", "Math.max(1, page)") }));
    expect(buggy[0]!.content).not.toBe(gold[0]!.content);
    // The tester rewrites the hidden test file with a test of the same name that always passes.
    const shadow = `import { test } from "node:test";\ntest("paginate clamps a page past the end to the last page", () => {});\n`;
    const model = await startTaskModel([paginate], async () => ({ code: buggy, tests: [{ path: "test/paginate.test.js", content: shadow }] }));
    try {
      const run = await runEvalSuite({
        runner: await checksRunner(),
        tasks: [paginate],
        jobs: 1,
        outDir: path.join(scratch, "buggy"),
        suite: suite.dir,
        connect: connectTo(model),
        secrets: [TEST_KEY],
        testTimeoutMs: 60_000,
      });
      const [result] = run.results;
      expect(result).toMatchObject({ status: "partial", result: "ready", error: null });
      expect(result!.fail_to_pass.failed).toEqual(["paginate clamps a page past the end to the last page"]);
      expect(result!.fail_to_pass.passed).toEqual(["paginate returns the first items on page 1", "paginate returns a short last page"]);
      expect(result!.pass_to_pass).toEqual({ passed: ["paginate counts the pages", "paginate rejects a size of zero"], failed: [], missing: [] });
      expect(run.summary).toMatchObject({ resolved: 0, partial: 1, graded: 1, resolved_rate: 0, agreement: { ready_not_resolved: 1, ready_precision: 0 } });
    } finally {
      await model.close();
    }
  });

  it("a task whose PASS_TO_PASS fails at base is an error for validation and for the eval, and is not counted", async () => {
    const median = task("js-median");
    const broken: EvalTask = { ...median, instance_id: "js-median-broken", PASS_TO_PASS: [...median.PASS_TO_PASS, "median rejects an empty array"] };
    const validation = await validateTask(broken, { testTimeoutMs: 60_000, runner: await checksRunner() });
    expect(validation.status).toBe("error");
    expect(validation.problems.join("\n")).toContain("PASS_TO_PASS does not pass: median rejects an empty array");
    expect((await validateTask(median, { testTimeoutMs: 60_000, runner: await checksRunner() })).status).toBe("valid");

    const model = await startTaskModel([broken], goldAnswers);
    try {
      const run = await runEvalSuite({
        runner: await checksRunner(),
        tasks: [broken],
        jobs: 1,
        outDir: path.join(scratch, "broken"),
        suite: suite.dir,
        connect: connectTo(model),
        testTimeoutMs: 60_000,
      });
      expect(run.results[0]).toMatchObject({ status: "error", result: null, model_calls: 0 });
      expect(run.results[0]!.error).toContain("PASS_TO_PASS does not pass: median rejects an empty array");
      expect(model.requests).toHaveLength(0);
      expect(run.summary).toMatchObject({ tasks: 1, errors: 1, graded: 0, resolved_rate: null, resolved_interval_95: null });
      expect(await readFile(run.files.markdown, "utf8")).toContain("not counted in the rate");
    } finally {
      await model.close();
    }
  });
});

describe("codegen-crew eval", () => {
  it("runs a suite with the model from --base-url, writes the three files and exits 0", async () => {
    const model = await startTaskModel([task("js-median")], goldAnswers);
    const out = path.join(scratch, "cli-out");
    try {
      const code = await runEvalCommand(
        { suite: suite.dir, tasks: "js-median", jobs: 1, baseUrl: model.baseURL, model: "gpt-4o-mini", out, testTimeout: 60 },
        { OPENAI_API_KEY: TEST_KEY, PATH: process.env.PATH },
      );
      expect(code).toBe(0);
      const line = taskResultSchema.strict().parse(JSON.parse(await readFile(path.join(out, "results.jsonl"), "utf8")));
      expect(line).toMatchObject({ instance_id: "js-median", status: "resolved", result: "ready" });
      expect(line.cost_usd).toBeGreaterThan(0);
      const summary = summarySchema.strict().parse(JSON.parse(await readFile(path.join(out, "summary.json"), "utf8")));
      expect(summary).toMatchObject({ model: "gpt-4o-mini", resolved: 1, graded: 1 });
      expect(await readFile(path.join(out, "summary.md"), "utf8")).toContain("| js-median | resolved | ready |");
    } finally {
      await model.close();
    }
  });

  it("exits non-zero, naming the line and the field, when tasks.jsonl is invalid; 64 for a bad --jobs", async () => {
    const dir = path.join(scratch, "bad-suite");
    await exec("mkdir", ["-p", dir]);
    const good = (await readFile(path.join(suite.dir, "tasks.jsonl"), "utf8")).split("\n")[0]!;
    const bad = JSON.stringify({ ...JSON.parse(good), instance_id: "second", FAIL_TO_PASS: "[]" });
    await writeFile(path.join(dir, "tasks.jsonl"), `${good}\n${bad}\n`);
    const stderr: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => (stderr.push(String(chunk)), true)) as typeof process.stderr.write;
    try {
      expect(await main(["eval", "--suite", dir, "--validate"])).toBe(1);
      expect(await main(["eval", "--suite", dir, "--jobs", "0"])).toBe(64);
    } finally {
      process.stderr.write = write;
    }
    expect(stderr.join("")).toContain(`tasks.jsonl:2: field "FAIL_TO_PASS" must name at least one test`);
  });
});
