import { execFile } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { runReportSchema } from "../../src/core/report/run-report.js";
import type { ProgressEvent } from "../../src/core/progress.js";
import { demoAnswers } from "../../src/demo/demo-answers.js";
import type { ReceivedRequest } from "../../src/demo/chat-completions-server.js";
import { fault, startScriptedModel, toolAnswer, type ScriptedModel } from "../support/scripted-model.js";
import { git, writeFiles } from "../support/temp-repo.js";
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

/**
 * An install command that waits for the developer's request (`${probe}.asked`), then for its answer to be written
 * (2 s at most), and records in `${probe}.seen` what it saw: a write that waits for the install cannot be seen.
 */
async function slowInstall(dir: string, probe: string): Promise<void> {
  await writeFiles(dir, {
    "slow-install.mjs": `import { existsSync, readFileSync, writeFileSync } from "node:fs";
const until = Date.now() + 20_000;
while (!existsSync(${JSON.stringify(`${probe}.asked`)}) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
const asked = existsSync(${JSON.stringify(`${probe}.asked`)});
// Give a write that does not wait for the install 2 s to land (the developer's answer is on its way).
const settled = Date.now() + 2000;
const written = () => readFileSync("src/strings.js", "utf8").includes("slugify");
while (!written() && Date.now() < settled) await new Promise((r) => setTimeout(r, 20));
writeFileSync(${JSON.stringify(`${probe}.seen`)}, JSON.stringify({ asked, written: written() }));
`,
  });
  await git(dir, "add", "-A");
  await git(dir, "commit", "-q", "-m", "slow install");
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
    expect(log.split("\n")).toHaveLength(4); // developer, tester and documenter (in either order), debugger round 1
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

  // Two whole runs: more than the default minute when the machine is busy.
  it(
    "runs tester, reviewer and documenter on round 0's change at once, before the checks, with the install beside the model calls; one at a time with sequential",
    { timeout: 150_000 },
    async () => {
      const parallel = ["tester", "reviewer", "documenter"] as const;
      type Parallel = (typeof parallel)[number];
      for (const sequential of [false, true]) {
        // The install waits for the developer's request to arrive (20 s at most), then notes whether an agent
        // had written yet: the developer's call must not wait for the install, and its write must. (One at a
        // time, the install could only sit out its 20 s: the sequential run has none.)
        const { model, repo } = await setup(sequential ? undefined : "install: node slow-install.mjs\n");
        const probe = path.join(repo.dir, "..", "install-probe");
        if (!sequential) await slowInstall(repo.dir, probe);
        // Each of the three holds its answer until the other two have asked too (or 1.5 s pass): with
        // concurrent phases all three requests are then in flight at once; one at a time, they cannot be.
        const arrived = { tester: gate(), reviewer: gate(), documenter: gate() };
        const held = (role: Parallel, answer: object) => async (request: ReceivedRequest) => {
          arrived[role].open();
          const others = parallel.filter((r) => r !== role).map((r) => arrived[r].opened);
          await Promise.race([Promise.all(others), new Promise((r) => setTimeout(r, 1500))]);
          const reply = toolAnswer(role, answer);
          return typeof reply === "function" ? reply(request) : reply;
        };
        scriptDemoStory(model, [...parallel, "developer"]);
        model.on("developer", async (request: ReceivedRequest) => {
          await writeFile(`${probe}.asked`, "");
          const reply = toolAnswer("developer", demoAnswers.developer[0]!);
          return typeof reply === "function" ? reply(request) : reply;
        });
        model.on("tester", held("tester", demoAnswers.tester[0]!));
        model.on("reviewer", held("reviewer", demoAnswers.reviewer[0]!), toolAnswer("reviewer", demoAnswers.reviewer[1]!));
        model.on("documenter", held("documenter", demoAnswers.documenter[0]!));

        const events: ProgressEvent[] = [];
        const { report } = await runAgainst(model, repo.dir, repo.task, { sequential, events });
        expect(report.result).toBe("ready");
        model.assertComplete();
        const first = Object.fromEntries(parallel.map((role) => [role, model.requestsFor(role)[0]!]));
        const inFlightAtOnce = Math.max(
          ...parallel.map((role) => parallel.filter((other) => first[other]!.startedAt <= first[role]!.startedAt && first[role]!.startedAt <= first[other]!.endedAt!).length),
        );
        expect(inFlightAtOnce).toBe(sequential ? 1 : 3);

        // The documenter works on round 0's change: it starts before the checks, and is never called again.
        const started = events.filter((e) => e.type === "phase-start").map((e) => (e as { name: string }).name);
        expect(started[0]).toBe("intake");
        expect(started.indexOf("architect")).toBeGreaterThan(started.indexOf("repository context"));
        expect(started.indexOf("checks")).toBeGreaterThan(started.indexOf("prepare checks"));
        expect(started.indexOf("documenter")).toBeLessThan(started.indexOf("checks"));
        expect(started.indexOf("documenter")).toBeLessThan(started.indexOf("debugger (round 1)"));
        expect(model.requestsFor("documenter")).toHaveLength(1);
        // Round 0's checks ran on the docs too: the documenter's README is part of the change they checked.
        expect(report.rounds[0]!.changedFiles).toContain("README.md");
        if (!sequential) expect(JSON.parse(await readFile(`${probe}.seen`, "utf8"))).toEqual({ asked: true, written: false });
      }
    },
  );

  it("shows the debugger the docs with the change, and keeps its doc fix when a repair changes documented behaviour", async () => {
    const { model, repo } = await setup();
    scriptDemoStory(model, ["debugger"]);
    // The debugger's fix changes the behaviour the README describes, so it rewrites that line of the README.
    const documented = (demoAnswers.documenter[0] as { files: { path: string; content: string }[] }).files[0]!.content;
    const rule = "- Every run of other characters becomes a single `-`, and the slug never starts or ends with a dash.";
    expect(documented).toContain(rule);
    const fixedDocs = documented.replace(rule, '- Every run of other characters becomes one `-` ("a  --  b" gives "a-b"), and the slug never starts or ends with a dash.');
    const fix = demoAnswers.debugger[0] as { summary: string; files: { path: string; content: string }[] };
    model.on("debugger", toolAnswer("debugger", { ...fix, files: [...fix.files, { path: "README.md", content: fixedDocs }] }));

    const { report, branch } = await runAgainst(model, repo.dir, repo.task);

    model.assertComplete();
    expect(report.result).toBe("ready");
    const debuggerPrompt = promptText(model.requestsFor("debugger")[0]!.body);
    expect(debuggerPrompt).toContain("### slugify(text)");
    expect(debuggerPrompt).toMatch(/update them in the same answer so they stay true/);
    // Round 1's review saw the debugger's docs, the documenter ran once, and the branch holds the fixed docs.
    expect(promptText(model.requestsFor("reviewer")[1]!.body)).toContain('gives \\"a-b\\"');
    expect(model.requestsFor("documenter")).toHaveLength(1);
    expect(report.rounds[1]!.changedFiles.sort()).toEqual(["README.md", "src/strings.js"]);
    expect(await git(repo.dir, "show", `${branch}:README.md`)).toBe(fixedDocs.trimEnd()); // the helper trims git's output
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
