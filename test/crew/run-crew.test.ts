import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { runReportSchema } from "../../src/core/report/run-report.js";
import type { ProgressEvent } from "../../src/core/progress.js";
import { demoAnswers } from "../../src/demo/demo-answers.js";
import type { ReceivedRequest } from "../../src/demo/chat-completions-server.js";
import { fault, startScriptedModel, toolAnswer, type ScriptedModel } from "../support/scripted-model.js";
import { git } from "../support/temp-repo.js";
import { promptText, runAgainst, sampleRepo, scriptDemoStory, TEST_KEY } from "./crew-fixture.js";

const exec = promisify(execFile);
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup(config?: string): Promise<{ model: ScriptedModel; repo: Awaited<ReturnType<typeof sampleRepo>> }> {
  const model = await startScriptedModel();
  const repo = await sampleRepo(config);
  cleanups.push(
    () => model.close(),
    () => repo.cleanup(),
  );
  return { model, repo };
}

function gate(): { open(): void; opened: Promise<void> } {
  let open: () => void = () => {};
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

describe("runCrew on a real repository", () => {
  it("goes through the debugger when round 0's tests fail and ends ready when round 1 passes", async () => {
    const { model, repo } = await setup();
    scriptDemoStory(model);
    const userBranch = await git(repo.dir, "rev-parse", "--abbrev-ref", "HEAD");
    const userHead = await git(repo.dir, "rev-parse", "HEAD");

    const { report, branch, outDir } = await runAgainst(model, repo.dir, repo.task);

    model.assertComplete();
    expect(runReportSchema.parse(report)).toBeTruthy();
    expect(report.result).toBe("ready");
    expect(report.rounds.map((r) => r.round)).toEqual([0, 1]);
    const round0Tests = report.rounds[0]!.checks.find((c) => c.kind === "test")!;
    expect(round0Tests.status).toBe("fail");
    expect(round0Tests.failures.join("\n")).toMatch(/collapses runs/);
    expect(report.checks.find((c) => c.kind === "test")!.status).toBe("pass");

    // The debugger was told which test failed, from the real test output.
    const debuggerPrompt = promptText(model.requestsFor("debugger")[0]!.body);
    expect(debuggerPrompt).toContain("collapses runs");

    // The branch holds the code, tests and docs, and its tests pass when run by hand.
    expect(branch).toBe("codegen-crew/add-a-slugify-text-helper");
    const files = (await git(repo.dir, "diff", "--name-only", `main..${branch}`)).split("\n").sort();
    expect(files).toEqual(["README.md", "src/strings.js", "test/slugify.test.js"]);
    const log = await git(repo.dir, "log", "--format=%s", `main..${branch}`);
    expect(log.split("\n")).toHaveLength(4); // developer, tester, debugger round 1, documenter
    await git(repo.dir, "worktree", "add", "-q", path.join(repo.dir, "..", "check"), branch);
    const { stdout } = await exec("node", ["--test"], { cwd: path.join(repo.dir, "..", "check") });
    expect(stdout).toMatch(/# fail 0/);

    // The user's checkout is untouched.
    expect(await git(repo.dir, "rev-parse", "--abbrev-ref", "HEAD")).toBe(userBranch);
    expect(await git(repo.dir, "rev-parse", "HEAD")).toBe(userHead);
    expect(await git(repo.dir, "status", "--porcelain")).toBe("");

    // Outputs: report JSON and Markdown, the PR text, a transcript; no key anywhere.
    const written = await Promise.all(["report.json", "report.md", "pull-request.md", "transcript.jsonl"].map((f) => readFile(path.join(outDir, f), "utf8")));
    expect(written[1]).toContain("```mermaid");
    expect(written[2]).toContain(demoAnswers.summarizer[0] && (demoAnswers.summarizer[0] as { title: string }).title);
    for (const text of written) expect(text).not.toContain(TEST_KEY);
  });

  it("runs tester, reviewer and static checks concurrently, and one at a time with sequential", async () => {
    for (const sequential of [false, true]) {
      const { model, repo } = await setup();
      // Tester and reviewer each hold their answer until the other has asked too (or 1.5 s pass): with
      // concurrent phases both requests are then in flight at once; one at a time, they cannot be.
      const arrived = { tester: gate(), reviewer: gate() };
      const held = (role: "tester" | "reviewer", other: "tester" | "reviewer", answer: object) => async (request: ReceivedRequest) => {
        arrived[role].open();
        await Promise.race([arrived[other].opened, new Promise((r) => setTimeout(r, 1500))]);
        const reply = toolAnswer(role, answer);
        return typeof reply === "function" ? reply(request) : reply;
      };
      scriptDemoStory(model, ["tester", "reviewer"]);
      model.on("tester", held("tester", "reviewer", demoAnswers.tester[0]!));
      model.on("reviewer", held("reviewer", "tester", demoAnswers.reviewer[0]!), toolAnswer("reviewer", demoAnswers.reviewer[1]!));

      const events: ProgressEvent[] = [];
      const { report } = await runAgainst(model, repo.dir, repo.task, { sequential, events });
      expect(report.result).toBe("ready");
      const [tester] = model.requestsFor("tester");
      const [reviewer] = model.requestsFor("reviewer");
      const overlap = tester!.startedAt <= reviewer!.endedAt! && reviewer!.startedAt <= tester!.endedAt!;
      expect(overlap).toBe(!sequential);
      const started = events.filter((e) => e.type === "phase-start").map((e) => (e as { name: string }).name);
      expect(started[0]).toBe("intake");
      expect(started.indexOf("architect")).toBeGreaterThan(started.indexOf("repository context"));
      expect(started.indexOf("checks")).toBeGreaterThan(started.indexOf("prepare checks"));
    }
  });

  it("stops at the failing phase and never hands the error to another agent", async () => {
    const { model, repo } = await setup();
    model.on("architect", toolAnswer("architect", demoAnswers.architect[0]!));
    model.on("developer", fault.serverError(500), fault.serverError(500), fault.serverError(500));

    const { report } = await runAgainst(model, repo.dir, repo.task, { maxRetries: 2 });

    expect(report.result).toBe("failed");
    expect(report.stoppedAt?.phase).toBe("developer");
    expect(report.reason).toMatch(/developer/);
    expect(model.requestsFor("developer")).toHaveLength(3);
    // Nobody after the developer was asked anything, and no prompt carries the failure.
    for (const role of ["tester", "reviewer", "debugger", "documenter", "summarizer"]) expect(model.requestsFor(role)).toHaveLength(0);
    for (const request of model.requests) expect(promptText(request.body)).not.toMatch(/server had an error|500/);
    model.assertComplete();
  });

  it("gives an invalid answer one corrective retry quoting the validation error, then uses the corrected answer", async () => {
    const { model, repo } = await setup();
    scriptDemoStory(model, ["architect"]);
    model.on("architect", toolAnswer("architect", { summary: "plan", steps: "not a list" }), toolAnswer("architect", demoAnswers.architect[0]!));

    const { report } = await runAgainst(model, repo.dir, repo.task);

    expect(report.result).toBe("ready");
    const [, retry] = model.requestsFor("architect");
    expect(promptText(retry!.body)).toMatch(/steps/);
    expect(promptText(retry!.body)).toMatch(/could not be used/);
    // The developer sees the plan, not the architect's failed first attempt.
    expect(promptText(model.requestsFor("developer")[0]!.body)).not.toMatch(/could not be used|not a list/);
    model.assertComplete();
  });

  it("fails the phase with a clear error after a second invalid or truncated answer", async () => {
    const { model, repo } = await setup();
    model.on("architect", fault.truncated("architect", '{"summary": "a plan that goes on and'), toolAnswer("architect", { summary: "x" }));

    const { report } = await runAgainst(model, repo.dir, repo.task);

    expect(report.result).toBe("failed");
    expect(report.stoppedAt?.phase).toBe("architect");
    expect(report.stoppedAt?.error).toMatch(/architect gave an invalid answer twice/);
    expect(promptText(model.requestsFor("architect")[1]!.body)).toMatch(/cut off/);
    model.assertComplete();
  });

  it("stops the repair loop early when the debugger changes nothing, and ends as a draft", async () => {
    const { model, repo } = await setup();
    scriptDemoStory(model, ["debugger", "reviewer"]);
    // The debugger hands back the developer's buggy file unchanged: rounds 2 and 3 would only burn money.
    model.on("debugger", toolAnswer("debugger", demoAnswers.developer[0]!));
    model.on("reviewer", toolAnswer("reviewer", demoAnswers.reviewer[0]!));

    const { report } = await runAgainst(model, repo.dir, repo.task);

    expect(report.result).toBe("draft");
    expect(report.reason).toMatch(/round 1 changed nothing, so the repair loop stopped early/);
    expect(model.requestsFor("debugger")).toHaveLength(1);
    expect(report.rounds.map((r) => r.round)).toEqual([0, 1]);
    expect(report.checks.find((c) => c.kind === "test")!.status).toBe("fail");
    model.assertComplete();
  });

  it("refuses hostile paths in a model answer, reports why, writes nothing outside, and goes on with the rest", async () => {
    const { model, repo } = await setup();
    scriptDemoStory(model, ["developer"]);
    const honest = demoAnswers.developer[0] as { summary: string; files: { path: string; content: string }[] };
    model.on(
      "developer",
      toolAnswer("developer", {
        ...honest,
        files: [
          ...honest.files,
          { path: "../escaped.js", content: "pwned" },
          { path: ".github/workflows/evil.yml", content: "on: push" },
          { path: ".git/hooks/pre-commit", content: "#!/bin/sh\nexit 1" },
          { path: "/tmp/codegen-crew-absolute.js", content: "pwned" },
        ],
      }),
    );

    const { report, branch } = await runAgainst(model, repo.dir, repo.task);

    expect(report.result).toBe("ready");
    expect(report.refused.map((r) => r.path).sort()).toEqual([".git/hooks/pre-commit", ".github/workflows/evil.yml", "../escaped.js", "/tmp/codegen-crew-absolute.js"].sort());
    for (const refusal of report.refused) expect(refusal.reason.length).toBeGreaterThan(10);
    expect(report.checks.find((c) => c.kind === "policy")!.notes.join("\n")).toContain("evil.yml");
    await expect(readFile(path.join(repo.dir, "..", "escaped.js"), "utf8")).rejects.toThrow();
    await expect(readFile("/tmp/codegen-crew-absolute.js", "utf8")).rejects.toThrow();
    expect(await git(repo.dir, "diff", "--name-only", `main..${branch}`)).not.toMatch(/workflows|escaped/);
  });

  it("stops before the call that would exceed the token budget and keeps the change as a draft", async () => {
    // Enough for the architect and developer, not for the later calls (each prompt carries the context).
    const { model, repo } = await setup("budget:\n  tokens: 9000\n");
    // Each answer reports 4,000 tokens: after the architect and developer, 8,000 are spent and the next
    // prompt (the repository context alone is over 1,000 tokens) would cross 9,000.
    scriptDemoStory(model, [], { prompt_tokens: 3000, completion_tokens: 1000 });

    const { report, branch } = await runAgainst(model, repo.dir, repo.task);

    expect(report.result).toBe("draft");
    expect(report.stoppedAt?.error).toMatch(/budget/);
    expect(report.reason).toMatch(/kept as a draft/);
    expect(report.budget.used.tokens).toBeLessThanOrEqual(9000);
    // The branch keeps the developer's work.
    expect(await git(repo.dir, "diff", "--name-only", `main..${branch}`)).toContain("src/strings.js");
    // The summarizer never ran: the PR text is the fallback that says where the run stopped.
    expect(model.requestsFor("summarizer")).toHaveLength(0);
    expect(report.pullRequest?.body).toMatch(/incomplete/);
    expect(model.requestsFor("architect")).toHaveLength(1);
    expect(model.requestsFor("developer")).toHaveLength(1);
  });
});
