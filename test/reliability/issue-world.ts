import { execFile } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { runIssue, type IssueRunOutcome } from "../../src/core/issue/run-issue.js";
import { runWorkItem, type WorkRunOutcome } from "../../src/core/issue/run-work-item.js";
import type { ConnectModel } from "../../src/core/model/model-client.js";
import type { WorkItem } from "../../src/core/work/work-item.js";
import { createOpenAIModelClient } from "../../src/core/model/openai-model-client.js";
import { cloneRepository, type RemoteAccess } from "../../src/core/workspace/git-remote.js";
import { SAMPLE_FILES, SAMPLE_TASK } from "../../src/demo/sample-repo.js";
import { createGitHubOctokit, createOctokitForge } from "../../src/github/octokit-forge.js";
import type { ReceivedRequest, Reply } from "../../src/demo/chat-completions-server.js";
import { checksRunner } from "../support/checks-runner.js";
import { startGitHubServer, type GitHubServer } from "../support/github-server.js";
import { startScriptedModel, toolAnswer, type ScriptedModel } from "../support/scripted-model.js";

const exec = promisify(execFile);

export const OWNER = "octo";
export const REPO = "text-tools";
export const TOKEN = "ghs_reliabilitytoken0123456789abcdef";
export const API_KEY = "sk-reliability-key-0123456789abcdef";
export const BRANCH = "codegen-crew/issue-1";
/** Whole runs spawn git and node many times; on a loaded 2-core machine one can take a minute. */
export const RUN_TIMEOUT = { timeout: 180_000 };

/**
 * An issue run in-process, the way the Action and the app call it: runIssue with the Octokit forge against
 * the GitHub stand-in and the scripted model, on a fresh clone. Octokit's pacing is shrunk (an option, not a
 * production default) so retries and write spacing cost milliseconds instead of seconds.
 */
export interface IssueWorld {
  github: GitHubServer;
  model: ScriptedModel;
  temp: string;
  logs: string[];
  /** A fresh clone and one runIssue on issue `issue` (default 1) by `sender` (default alice). */
  run(options?: { issue?: number; sender?: string; signal?: AbortSignal; staleAfterMs?: number }): Promise<IssueRunOutcome>;
  /** A fresh clone and one runWorkItem, as the Action runs it (holder "workflow run …"). */
  runItem(item: WorkItem, options?: { signal?: AbortSignal; holder?: string }): Promise<WorkRunOutcome>;
  close(): Promise<void>;
}

export async function startIssueWorld(options: { files?: Record<string, string>; body?: string; title?: string } = {}): Promise<IssueWorld> {
  const temp = await mkdtemp(path.join(os.tmpdir(), "codegen-crew-reliability-"));
  const github = await startGitHubServer({ tokens: [TOKEN] });
  await github.addRepo(OWNER, REPO, { files: { ...SAMPLE_FILES, ...options.files }, permissions: { alice: "write", mallory: "read" } });
  const [title, ...rest] = SAMPLE_TASK.split("\n");
  await github.addIssue(OWNER, REPO, { number: 1, title: options.title ?? title!, body: options.body ?? rest.join("\n").trim(), user: "alice", labels: ["codegen"] });
  const model = await startScriptedModel();
  const logs: string[] = [];
  const log = { info: (m: string) => logs.push(`info: ${m}`), warn: (m: string) => logs.push(`warn: ${m}`) };
  const remote: RemoteAccess = { url: `${github.serverUrl}/${OWNER}/${REPO}.git`, token: TOKEN };
  let runs = 0;
  const deps = (signal?: AbortSignal) => {
    const repoDir = path.join(temp, `clone-${++runs}`);
    // As the entry points do it: the clone goes on while the run talks to GitHub.
    const workspace = (async () => {
      await cloneRepository(remote, repoDir);
      return { repoDir, runner: await checksRunner() };
    })();
    const octokit = createGitHubOctokit({ baseUrl: github.apiUrl, token: TOKEN, log, maxRateLimitWaitSeconds: 5, pacing: { retryUnitMs: 5, writeIntervalMs: 0 } });
    return {
      forge: createOctokitForge(octokit, OWNER, REPO),
      workspace,
      remote,
      secrets: [TOKEN, API_KEY],
      log,
      connect: ((budget) =>
        createOpenAIModelClient({
          baseURL: model.baseURL,
          apiKey: API_KEY,
          timeoutMs: 10_000,
          maxRetries: 1,
          backoff: { baseMs: 5, maxMs: 20 },
          deadline: () => budget.deadline(),
        })) as ConnectModel,
      ...(signal ? { signal } : {}),
    };
  };
  return {
    github,
    model,
    temp,
    logs,
    async run(runOptions = {}) {
      return runIssue(
        { issueNumber: runOptions.issue ?? 1, sender: runOptions.sender ?? "alice", runUrl: "https://example.invalid/runs/1" },
        { ...deps(runOptions.signal), ...(runOptions.staleAfterMs !== undefined ? { staleAfterMs: runOptions.staleAfterMs } : {}) },
      );
    },
    async runItem(item, options = {}) {
      return runWorkItem(
        { item, holder: { run: options.holder ?? "workflow run https://example.invalid/runs/1", owner: "action" }, runUrl: "https://example.invalid/runs/1" },
        deps(options.signal),
      );
    },
    async close() {
      await model.close();
      await github.close();
      await rm(temp, { recursive: true, force: true, maxRetries: 3 });
    },
  };
}

/**
 * Everything the run could have leaked into: every comment body and every earlier version of it, PR titles
 * and bodies, the run's log lines, and every commit (message and patch) on every branch of the remote.
 */
export async function everythingPublished(world: IssueWorld, extra: string[] = []): Promise<string> {
  const repo = world.github.state.repo(OWNER, REPO)!;
  const comments = [...repo.comments.values()].flatMap((c) => [c.body, ...c.edits.map((e) => e.previousBody)]);
  const issues = [...repo.issues.values()].map((i) => `${i.title}\n${i.body ?? ""}`);
  const clone = path.join(world.temp, `scan-${Date.now()}`);
  await exec("git", ["clone", "-q", "--mirror", world.github.cloneUrl(OWNER, REPO, TOKEN), clone]);
  const { stdout: history } = await exec("git", ["-C", clone, "log", "--all", "-p", "--binary", "--format=%H %an %ae%n%B"], { maxBuffer: 256 * 1024 * 1024 });
  await rm(clone, { recursive: true, force: true });
  return [...comments, ...issues, ...world.logs, history, ...extra].join("\n");
}

export function expectNoSecretsIn(text: string): string[] {
  return [TOKEN, API_KEY].filter((secret) => text.includes(secret));
}

/** Files under `dir` (recursively), for "nothing was written outside the worktree" checks. */
export async function listTree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.map((e) => path.join(e.parentPath, e.name)).sort();
}

/**
 * A short green story: the developer adds `name(text)` to src/strings.js (built on `base`, the file as the
 * run will find it), the tester a passing test, the reviewer approves. No repair round.
 */
export function scriptHelperStory(model: ScriptedModel, base: string, name: string, before: Partial<Record<string, () => Promise<void> | void>> = {}): void {
  const strings = `${base.replace(/\n+$/, "")}\n\nexport function ${name}(text) {\n  if (typeof text !== "string") throw new TypeError("${name} expects a string");\n  return text.toUpperCase() + "!";\n}\n`;
  const test = `import { test } from "node:test";\nimport assert from "node:assert/strict";\nimport { ${name} } from "../src/strings.js";\n\ntest("${name} upper-cases and adds a bang", () => {\n  assert.equal(${name}("hi"), "HI!");\n});\n`;
  const on = (role: string, args: object) => {
    const answer = toolAnswer(role, args) as (request: ReceivedRequest) => Reply;
    const hook = before[role];
    model.on(role, hook ? async (request) => (await hook(), answer(request)) : answer);
  };
  on("architect", { summary: `Add ${name}`, steps: [`add ${name}`], files: [{ path: "src/strings.js", action: "modify", purpose: name }], test_plan: "node --test" });
  on("developer", { summary: `Add ${name}(text)`, files: [{ path: "src/strings.js", content: strings }] });
  on("tester", { summary: `Test ${name}`, files: [{ path: `test/${name}.test.js`, content: test }] });
  on("reviewer", { verdict: "approve", comments: [] });
  on("documenter", { summary: "Nothing to document", files: [] });
  on("summarizer", { title: `Add ${name}(text)`, body: `Adds \`${name}\`.` });
}

/**
 * The same green story as a revision of the bot's branch: the debugger adds `name(text)` and asks for tests,
 * the tester writes a passing one, the reviewer approves, the summarizer rewrites the PR text.
 */
export function scriptRevisionStory(model: ScriptedModel, base: string, name: string): void {
  const strings = `${base.replace(/\n+$/, "")}\n\nexport function ${name}(text) {\n  return text.toUpperCase() + "!";\n}\n`;
  const test = `import { test } from "node:test";\nimport assert from "node:assert/strict";\nimport { ${name} } from "../src/strings.js";\n\ntest("${name}", () => {\n  assert.equal(${name}("hi"), "HI!");\n});\n`;
  model.on(
    "debugger",
    toolAnswer("debugger", {
      summary: `Add ${name}(text)`,
      files: [{ path: "src/strings.js", content: strings }],
      tests_needed: true,
      responses: [{ item: 1, reply: `Added ${name}.` }],
    }),
  );
  model.on("tester", toolAnswer("tester", { summary: `Test ${name}`, files: [{ path: `test/${name}.test.js`, content: test }] }));
  model.on("reviewer", toolAnswer("reviewer", { verdict: "approve", comments: [] }));
  model.on("summarizer", toolAnswer("summarizer", { title: `Add ${name}(text)`, body: `Adds \`${name}\`.` }));
}

/** src/strings.js as the next run will find it: on the bot's branch when it exists, else on main. */
export async function currentStrings(world: IssueWorld): Promise<string> {
  return (await world.github.readFile(OWNER, REPO, BRANCH, "src/strings.js")) ?? (await world.github.readFile(OWNER, REPO, "main", "src/strings.js"))!;
}

/** A person pushes refspecs to the repository (`from:to`, `:branch` deletes), e.g. GitHub's merge button. */
export async function pushAsPerson(world: IssueWorld, ...refspecs: string[]): Promise<void> {
  const dir = await mkdtemp(path.join(world.temp, "person-"));
  await exec("git", ["clone", "-q", world.github.cloneUrl(OWNER, REPO, TOKEN), dir]);
  await exec("git", ["-C", dir, "push", "-q", "origin", ...refspecs]);
}
