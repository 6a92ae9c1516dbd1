import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { WorkspaceError } from "../../src/core/errors.js";
import { ROLE_NAMES } from "../../src/core/roles/role-names.js";
import { demoAnswers } from "../../src/demo/demo-answers.js";
import { createSampleRepo, SAMPLE_FILES } from "../../src/demo/sample-repo.js";

const execFileAsync = promisify(execFile);

// The answer contract each role's final function call must meet (extra fields are allowed).
const fileContent = z.object({ path: z.string().min(1), content: z.string() });
const architectAnswer = z.object({
  summary: z.string().min(1),
  steps: z.array(z.string().min(1)).min(1),
  files: z.array(z.object({ path: z.string().min(1), action: z.enum(["create", "modify", "delete"]), purpose: z.string().min(1) })).min(1),
  test_plan: z.string().min(1),
});
const codeAnswer = z.object({ summary: z.string().min(1), files: z.array(fileContent).min(1), deletions: z.array(z.string()).optional() });
const writerAnswer = z.object({ summary: z.string().min(1), files: z.array(fileContent).min(1) });
const reviewAnswer = z.object({
  verdict: z.enum(["approve", "request_changes"]),
  comments: z.array(
    z.object({ path: z.string().min(1), line: z.number().int().positive().optional(), severity: z.enum(["blocker", "major", "minor", "nit"]), message: z.string().min(1) }),
  ),
});
const summaryAnswer = z.object({ title: z.string().min(1), body: z.string().min(1) });

const architect = architectAnswer.parse(demoAnswers.architect[0]);
const developer = codeAnswer.parse(demoAnswers.developer[0]);
const tester = writerAnswer.parse(demoAnswers.tester[0]);
const firstReview = reviewAnswer.parse(demoAnswers.reviewer[0]);
const secondReview = reviewAnswer.parse(demoAnswers.reviewer[1]);
const debuggerFix = codeAnswer.parse(demoAnswers.debugger[0]);
const documenter = writerAnswer.parse(demoAnswers.documenter[0]);
const summary = summaryAnswer.parse(demoAnswers.summarizer[0]);

const FAILING_TEST = "slugify collapses runs of other characters into one dash";

interface RunResult {
  code: number;
  output: string;
}

/** Runs a command the way the crew's test check would, without this test runner's own Node settings. */
async function run(cwd: string, command: string, args: string[]): Promise<RunResult> {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  delete env.NODE_TEST_CONTEXT;
  try {
    const { stdout, stderr } = await execFileAsync(command, args, { cwd, env });
    return { code: 0, output: `${stdout}${stderr}` };
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: string; stderr?: string };
    return { code: typeof failed.code === "number" ? failed.code : -1, output: `${failed.stdout ?? ""}${failed.stderr ?? ""}` };
  }
}

const nodeTest = (cwd: string) => run(cwd, process.execPath, ["--test"]);
const git = async (cwd: string, ...args: string[]) => (await execFileAsync("git", args, { cwd })).stdout.trim();

async function applyFiles(root: string, files: { path: string; content: string }[]): Promise<void> {
  for (const file of files) {
    const target = path.join(root, file.path);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, file.content, "utf8");
  }
}

/** Counts of passed and failed tests from either of node:test's default reporters (tap or spec). */
function testCounts(output: string): { pass: number; fail: number } {
  const pass = /(?:^|\s)(?:# |ℹ )?pass (\d+)/m.exec(output);
  const fail = /(?:^|\s)(?:# |ℹ )?fail (\d+)/m.exec(output);
  return { pass: Number(pass?.[1] ?? NaN), fail: Number(fail?.[1] ?? NaN) };
}

let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "crew-demo-scenario-"));
});

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe("createSampleRepo", () => {
  it("writes a committed, clean repository on main whose own tests pass", async () => {
    const { dir, task } = await createSampleRepo(path.join(tmp, "fresh"));
    expect(await git(dir, "branch", "--show-current")).toBe("main");
    expect(await git(dir, "status", "--porcelain")).toBe("");
    expect((await git(dir, "ls-files")).split("\n").sort()).toEqual(Object.keys(SAMPLE_FILES).sort());
    expect(await git(dir, "log", "-1", "--format=%an <%ae>")).toBe("codegen-crew demo <demo@codegen-crew.invalid>");
    expect(JSON.parse(await readFile(path.join(dir, "package.json"), "utf8"))).toMatchObject({ type: "module", scripts: { test: "node --test" } });

    const result = await nodeTest(dir);
    expect(result.code, result.output).toBe(0);
    expect(testCounts(result.output)).toEqual({ pass: 6, fail: 0 });

    expect(task.split("\n")[0]).toBe("Add a slugify(text) helper");
    for (const rule of ["NFKD", "single dash", "No leading or trailing dash", "TypeError"]) expect(task).toContain(rule);
  });

  it("gives the same base commit every time, so a recorded run replays against it", async () => {
    const first = await createSampleRepo(path.join(tmp, "same-1"));
    const second = await createSampleRepo(path.join(tmp, "same-2"));
    expect(await git(first.dir, "rev-parse", "HEAD")).toBe(await git(second.dir, "rev-parse", "HEAD"));
  });

  it("refuses a folder that already holds files", async () => {
    const dir = path.join(tmp, "busy");
    await mkdir(dir);
    await writeFile(path.join(dir, "notes.txt"), "mine");
    await expect(createSampleRepo(dir)).rejects.toBeInstanceOf(WorkspaceError);
    expect(await readFile(path.join(dir, "notes.txt"), "utf8")).toBe("mine");
  });
});

describe("demo answers", () => {
  it("has one answer per call, in the crew's order", () => {
    const counts = Object.fromEntries(ROLE_NAMES.map((role) => [role, demoAnswers[role].length]));
    expect(counts).toEqual({ architect: 1, developer: 1, tester: 1, reviewer: 2, debugger: 1, documenter: 1, summarizer: 1 });
  });

  it("only writes relative paths inside the repository, and the plan names exactly the files the crew writes", () => {
    const written = [...developer.files, ...tester.files, ...debuggerFix.files, ...documenter.files].map((f) => f.path);
    for (const p of written) {
      expect(path.isAbsolute(p), p).toBe(false);
      expect(path.posix.normalize(p), p).toBe(p);
      expect(p.startsWith(".."), p).toBe(false);
    }
    expect(architect.files.map((f) => f.path).sort()).toEqual([...new Set(written)].sort());
  });

  it("tells the whole story: the tests catch the developer's bug, the review points at it, the debugger fixes it", async () => {
    const { dir } = await createSampleRepo(path.join(tmp, "story"));

    await applyFiles(dir, [...developer.files, ...tester.files]);
    const broken = await nodeTest(dir);
    expect(broken.code, broken.output).not.toBe(0);
    expect(broken.output).toContain(FAILING_TEST);
    expect(testCounts(broken.output)).toEqual({ pass: 12, fail: 1 });

    expect(firstReview.verdict).toBe("request_changes");
    expect(firstReview.comments).toHaveLength(1);
    const major = firstReview.comments[0]!;
    expect(major.severity).toBe("major");
    const reviewed = developer.files.find((f) => f.path === major.path);
    expect(reviewed, "the comment names a file the developer wrote").toBeDefined();
    expect(reviewed!.content.split("\n")[major.line! - 1]).toContain("/[^a-z0-9]/g");

    await applyFiles(dir, debuggerFix.files);
    const fixed = await nodeTest(dir);
    expect(fixed.code, fixed.output).toBe(0);
    expect(testCounts(fixed.output)).toEqual({ pass: 13, fail: 0 });

    expect(secondReview.verdict).toBe("approve");
    expect(secondReview.comments.every((c) => c.severity === "nit")).toBe(true);
    expect(secondReview.comments.length).toBeLessThanOrEqual(1);
  });

  it("documents slugify in the README without dropping the old text, with examples that hold", async () => {
    const { dir } = await createSampleRepo(path.join(tmp, "docs"));
    const oldReadme = await readFile(path.join(dir, "README.md"), "utf8");
    await applyFiles(dir, [...debuggerFix.files, ...documenter.files]);
    const newReadme = await readFile(path.join(dir, "README.md"), "utf8");
    for (const line of oldReadme.split("\n")) expect(newReadme.split("\n")).toContain(line);
    expect(newReadme).toContain("### slugify(text)");

    const examples = [...newReadme.matchAll(/^slugify\(("(?:[^"\\]|\\.)*")\); \/\/ ("(?:[^"\\]|\\.)*")$/gm)].map((m) => [JSON.parse(m[1]!) as string, JSON.parse(m[2]!) as string]);
    expect(examples.length).toBeGreaterThanOrEqual(3);
    const script = `import { slugify } from "./src/strings.js";
const examples = JSON.parse(process.argv[1]);
console.log(JSON.stringify(examples.map(([input]) => slugify(input))));`;
    const result = await run(dir, process.execPath, ["--input-type=module", "-e", script, JSON.stringify(examples)]);
    expect(result.code, result.output).toBe(0);
    expect(JSON.parse(result.output)).toEqual(examples.map(([, expected]) => expected));
  });

  it("summarises the change truthfully and leaves closing the issue to the entry point", () => {
    expect(summary.title).toMatch(/slugify/);
    expect(summary.body).not.toMatch(/closes\s*#|fixes\s*#|resolves\s*#/i);
    for (const file of architect.files) expect(summary.body).toContain(file.path);
    expect(summary.body).toContain(FAILING_TEST);
    expect(summary.body).toContain("/[^a-z0-9]+/g");
  });
});
