import { afterEach, describe, expect, it } from "vitest";
import { runCrewInRepository } from "../../src/core/crew/run-in-repository.js";
import type { RevisionRequest } from "../../src/core/crew/revision.js";
import { createCliTask } from "../../src/core/intake.js";
import { demoAnswers } from "../../src/demo/demo-answers.js";
import { inProcessModel, type InProcessModel } from "../support/in-process-model.js";
import { git } from "../support/temp-repo.js";
import { sampleRepo } from "./crew-fixture.js";
import { checksRunner } from "../support/checks-runner.js";

const runner = await checksRunner();

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const review = { verdict: "approve", comments: [] };
const request: RevisionRequest = {
  summary: "review by @alice (changes requested)",
  items: [
    { id: 1, kind: "review", author: "alice", body: "Looks fine overall." },
    { id: 2, kind: "inline", author: "alice", body: "Does this handle tabs?", path: "src/strings.js", line: 40 },
  ],
};

/** A first run with the demo's story, leaving its branch in the repository. */
async function firstRun() {
  const repo = await sampleRepo();
  cleanups.push(() => repo.cleanup());
  const model = inProcessModel(demoAnswers as Record<string, object[]>);
  const first = await runCrewInRepository({ repoDir: repo.dir, task: createCliTask(repo.task), branch: "codegen-crew/slugify", connect: model.connect, runner });
  expect(first.report.result).toBe("ready");
  return { repo, first };
}

function revise(repoDir: string, model: InProcessModel, startRef: string, snapshot = undefined as Parameters<typeof runCrewInRepository>[0]["seed"]) {
  return runCrewInRepository({
    repoDir,
    task: createCliTask("Add a slugify(text) helper"),
    branch: "codegen-crew/slugify-revision",
    runner,
    baseRef: "main",
    startRef,
    workflow: { kind: "revision", request: { ...request, ...(snapshot?.plan ? { plan: snapshot.plan } : {}) } },
    ...(snapshot ? { seed: snapshot } : {}),
    connect: model.connect,
  });
}

describe("the revision workflow", () => {
  it("validates a branch that already does what was asked, and says so, without a new commit", async () => {
    const { repo, first } = await firstRun();
    const model = inProcessModel({
      debugger: [{ summary: "nothing to change", files: [], responses: [{ item: 2, reply: "Yes: tabs are separators, the tests cover it." }] }],
      reviewer: [review],
    });
    const run = await revise(repo.dir, model, first.branch, first.report.snapshot);

    model.assertComplete();
    expect(run.report.mode).toBe("revision");
    expect(run.report.result).toBe("ready");
    // Judged on the whole change against the default branch, not on this run's (empty) contribution.
    expect(run.report.files.map((f) => f.path).sort()).toEqual(["README.md", "src/strings.js", "test/slugify.test.js"]);
    expect(run.report.files.find((f) => f.path === "src/strings.js")!.by).toEqual(expect.arrayContaining(["developer", "debugger"]));
    expect(run.report.checks.find((c) => c.kind === "test")!.status).toBe("pass");
    expect(run.report.revision).toMatchObject({ changedFiles: [], responses: [{ item: 2, reply: expect.stringContaining("tabs") }] });
    expect(run.report.pullRequest).toBeNull(); // the PR keeps its text
    expect(run.report.repository.headCommit).toBe(await git(repo.dir, "rev-parse", first.branch));
    // The reviser saw the plan of the first run and the fenced request, and no tester or documenter ran.
    const prompt = JSON.stringify(model.requestsFor("debugger")[0]!.body.messages);
    expect(prompt).toContain(first.report.plan!.summary.slice(0, 40));
    expect(prompt).toMatch(/BEGIN UNTRUSTED TASK DATA [0-9a-f]{16}[^]*Does this handle tabs\?/);
    expect(model.requestsFor("tester")).toHaveLength(0);
    expect(run.report.phases.filter((p) => p.status === "skipped").map((p) => p.name)).toEqual(expect.arrayContaining(["tester", "documenter", "summarizer"]));
  });

  it("commits a revision on top of the branch and runs the tester and documenter when the reviser asks", async () => {
    const { repo, first } = await firstRun();
    const strings = await git(repo.dir, "show", `${first.branch}:src/strings.js`);
    const withTabs = `${strings}\nexport const SEPARATOR = "-";\n`;
    const model = inProcessModel({
      debugger: [
        {
          summary: "export the separator",
          files: [{ path: "src/strings.js", content: withTabs }],
          tests_needed: true,
          docs_needed: true,
          responses: [{ item: 1, reply: "Exported SEPARATOR." }],
        },
      ],
      tester: [
        {
          summary: "test the separator",
          files: [
            {
              path: "test/separator.test.js",
              content:
                'import { test } from "node:test";\nimport assert from "node:assert/strict";\nimport { SEPARATOR } from "../src/strings.js";\ntest("separator", () => assert.equal(SEPARATOR, "-"));\n',
            },
          ],
        },
      ],
      reviewer: [review],
      documenter: [{ summary: "document it", files: [{ path: "docs/separator.md", content: "# SEPARATOR\n\nThe dash slugify joins words with.\n" }] }],
      summarizer: [{ title: "Add slugify and SEPARATOR", body: "Adds slugify(text) and exports its separator." }],
    });
    const run = await revise(repo.dir, model, first.branch, first.report.snapshot);

    model.assertComplete();
    expect(run.report.result).toBe("ready");
    expect(run.report.revision!.changedFiles).toEqual(["src/strings.js"]);
    const log = (await git(repo.dir, "log", "--format=%s", `${first.branch}..${run.branch}`)).split("\n");
    expect(log).toHaveLength(3); // documenter, tester, debugger: on top of the first run's commits
    expect(await git(repo.dir, "merge-base", "--is-ancestor", first.branch, run.branch).then(() => true)).toBe(true);
    expect(run.report.checks.find((c) => c.kind === "test")!.status).toBe("pass");
    expect(run.report.pullRequest?.title).toBe("Add slugify and SEPARATOR");
  });
});
