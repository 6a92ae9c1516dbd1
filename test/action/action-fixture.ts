import { execFile } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { SAMPLE_FILES, SAMPLE_TASK } from "../../src/demo/sample-repo.js";
import { startGitHubServer, type GitHubServer } from "../support/github-server.js";
import { startScriptedModel, toolAnswer, type ScriptedModel } from "../support/scripted-model.js";
import { issueCommentCreatedPayload, issuesLabeledPayload, pullRequestReviewSubmittedPayload, workflowDispatchPayload } from "../support/webhook-payloads.js";

export const OWNER = "octo";
export const REPO = "text-tools";
export const TOKEN = "ghs_actiontesttoken0123456789";
export const API_KEY = "sk-or-action-test-abcdef012345";
const DIST = fileURLToPath(new URL("../../dist/", import.meta.url));

export interface ActionWorld {
  github: GitHubServer;
  model: ScriptedModel;
  /** A folder holding only the committed bundle, as on a runner: no node_modules. */
  actionDir: string;
  temp: string;
  close(): Promise<void>;
}

export async function startWorld(): Promise<ActionWorld> {
  const temp = await mkdtemp(path.join(os.tmpdir(), "codegen-crew-action-"));
  const actionDir = path.join(temp, "action");
  await mkdir(path.join(actionDir, "dist"), { recursive: true });
  // What a runner checks out of the Action's repository: the bundle, the tokenizer thread it starts, and the
  // package.json beside them that says they are ES modules.
  for (const file of ["index.js", "token-worker.mjs", "package.json"]) await copyFile(path.join(DIST, file), path.join(actionDir, "dist", file));
  const github = await startGitHubServer({ tokens: [TOKEN] });
  await github.addRepo(OWNER, REPO, { files: { ...SAMPLE_FILES }, permissions: { alice: "write", mallory: "read" } });
  const [title, ...rest] = SAMPLE_TASK.split("\n");
  await github.addIssue(OWNER, REPO, { number: 1, title: title!, body: rest.join("\n").trim(), user: "alice", labels: ["codegen"] });
  const model = await startScriptedModel();
  return {
    github,
    model,
    actionDir,
    temp,
    async close() {
      await model.close();
      await github.close();
      await rm(temp, { recursive: true, force: true, maxRetries: 3 });
    },
  };
}

export interface ActionRun {
  code: number;
  stdout: string;
  outputs: Record<string, string>;
  summary: string;
}

/** Runs the bundle the way a runner does: env vars, an event file, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files. */
export async function runAction(
  world: ActionWorld,
  event: { name: string; payload: unknown },
  inputs: Record<string, string> = {},
  options: { node?: string; workspace?: string; omitKey?: boolean; env?: Record<string, string> } = {},
): Promise<ActionRun> {
  const dir = await mkdtemp(path.join(world.temp, "run-"));
  const files = { event: path.join(dir, "event.json"), output: path.join(dir, "output"), summary: path.join(dir, "summary.md") };
  await writeFile(files.event, JSON.stringify(event.payload));
  await writeFile(files.output, "");
  await writeFile(files.summary, "");
  await mkdir(path.join(dir, "runner-temp"));
  const workspace = options.workspace ?? path.join(dir, "workspace");
  await mkdir(workspace, { recursive: true });
  const env: Record<string, string> = {
    PATH: process.env.PATH!,
    HOME: process.env.HOME!,
    GITHUB_ACTIONS: "true",
    GITHUB_EVENT_NAME: event.name,
    GITHUB_EVENT_PATH: files.event,
    GITHUB_REPOSITORY: `${OWNER}/${REPO}`,
    GITHUB_API_URL: world.github.apiUrl,
    GITHUB_SERVER_URL: world.github.serverUrl,
    GITHUB_WORKSPACE: workspace,
    GITHUB_OUTPUT: files.output,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_RUN_ID: "4242",
    GITHUB_ACTOR: "alice",
    RUNNER_TEMP: path.join(dir, "runner-temp"),
    "INPUT_GITHUB-TOKEN": TOKEN,
    "INPUT_BASE-URL": world.model.baseURL,
    INPUT_LABEL: "codegen",
    INPUT_CONFIG: ".github/codegen-crew.yml",
    ...(options.omitKey ? {} : { "INPUT_API-KEY": API_KEY }),
    ...Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v])),
    ...options.env,
  };
  const { code, stdout } = await new Promise<{ code: number; stdout: string }>((resolve) => {
    execFile(options.node ?? process.execPath, [path.join(world.actionDir, "dist", "index.js")], { env, cwd: workspace, maxBuffer: 32 * 1024 * 1024 }, (error, out, err) =>
      resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout: out + err }),
    );
  });
  return { code, stdout, outputs: parseOutputs(await readFile(files.output, "utf8")), summary: await readFile(files.summary, "utf8") };
}

/** GITHUB_OUTPUT's heredoc format: name<<delimiter, value lines, delimiter. */
function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const match = /^([^<]+)<<(.+)$/.exec(lines[i]!);
    if (!match) continue;
    const value: string[] = [];
    while (++i < lines.length && lines[i] !== match[2]) value.push(lines[i]!);
    outputs[match[1]!] = value.join("\n");
  }
  return outputs;
}

export function labeledEvent(world: ActionWorld, label = "codegen", sender = "alice") {
  const issue = world.github.issue(OWNER, REPO, 1);
  return {
    name: "issues" as const,
    payload: issuesLabeledPayload({
      owner: OWNER,
      repo: REPO,
      sender,
      label,
      issue: { number: 1, title: issue.title, body: issue.body, user: issue.user, labels: issue.labels },
      apiUrl: world.github.apiUrl,
      serverUrl: world.github.serverUrl,
    }),
  };
}

export function dispatchEvent(world: ActionWorld, issueNumber: number) {
  return {
    name: "workflow_dispatch" as const,
    payload: workflowDispatchPayload({
      owner: OWNER,
      repo: REPO,
      sender: "alice",
      inputs: { "issue-number": String(issueNumber) },
      apiUrl: world.github.apiUrl,
      serverUrl: world.github.serverUrl,
    }),
  };
}

/** The same shout story as a revision of the bot's branch: the debugger adds it and asks for tests. */
export function scriptShoutRevision(model: ScriptedModel, base: string): void {
  const strings = `${base}\nexport function shout(text) {\n  return text.toUpperCase() + "!";\n}\n`;
  model.on("debugger", toolAnswer("debugger", { summary: "Add shout(text)", files: [{ path: "src/strings.js", content: strings }], tests_needed: true }));
  model.on(
    "tester",
    toolAnswer("tester", {
      summary: "Test shout",
      files: [
        {
          path: "test/shout.test.js",
          content:
            'import { test } from "node:test";\nimport assert from "node:assert/strict";\nimport { shout } from "../src/strings.js";\n\ntest("shout", () => {\n  assert.equal(shout("hi"), "HI!");\n});\n',
        },
      ],
    }),
  );
  model.on("reviewer", toolAnswer("reviewer", { verdict: "approve", comments: [] }));
  model.on("summarizer", toolAnswer("summarizer", { title: "Add shout(text)", body: "Adds `shout`." }));
}

/** A comment created on issue #1 (or on a PR, by number) by `user`. */
export function commentEvent(world: ActionWorld, body: string, options: { user?: string; on?: { number: number; pullRequest: boolean } } = {}) {
  const on = options.on ?? { number: 1, pullRequest: false };
  const issue = world.github.issue(OWNER, REPO, on.number);
  const user = options.user ?? "alice";
  return {
    name: "issue_comment" as const,
    payload: issueCommentCreatedPayload({
      owner: OWNER,
      repo: REPO,
      sender: user,
      issue: { number: on.number, title: issue.title, body: issue.body, user: issue.user, labels: issue.labels, pullRequest: on.pullRequest },
      comment: { body, user },
      apiUrl: world.github.apiUrl,
      serverUrl: world.github.serverUrl,
    }),
  };
}

/** A review submitted on PR `number` (whose head is `headRef`) by `reviewer`. */
export function reviewEvent(
  world: ActionWorld,
  number: number,
  headRef: string,
  review: { state: "approved" | "changes_requested" | "commented"; body?: string; reviewer: string },
) {
  return {
    name: "pull_request_review" as const,
    payload: pullRequestReviewSubmittedPayload({
      owner: OWNER,
      repo: REPO,
      sender: review.reviewer,
      pullRequest: { number, title: "Add shout", head: { ref: headRef, sha: "a".repeat(40) }, base: { ref: "main", sha: "b".repeat(40) }, labels: ["codegen-crew"] },
      review: { state: review.state, body: review.body ?? null, user: review.reviewer },
      apiUrl: world.github.apiUrl,
      serverUrl: world.github.serverUrl,
    }),
  };
}
