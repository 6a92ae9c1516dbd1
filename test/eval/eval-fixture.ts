import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { loadSuite } from "../../src/core/eval/load-suite.js";
import type { EvalTask } from "../../src/core/eval/task-format.js";
import { createOpenAIModelClient } from "../../src/core/model/openai-model-client.js";
import type { ConnectModel } from "../../src/core/model/model-client.js";
import type { ReceivedRequest } from "../../src/demo/chat-completions-server.js";
import { startScriptedModel, toolAnswer, type ScriptedModel } from "../support/scripted-model.js";

const exec = promisify(execFile);
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const STARTER_SOURCES = path.join(ROOT, "evals/starter/src");
export const TEST_KEY = "sk-eval-test-0123456789";

/**
 * The starter suite built by its generator into a temp folder (the same script `npm run eval:build` runs),
 * so the tests use exactly what the script makes from the committed sources.
 */
export async function buildStarterSuite(): Promise<{ dir: string; tasks: EvalTask[]; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "codegen-crew-suite-"));
  await exec("node", [path.join(ROOT, "scripts/build-eval-suite.mjs"), "--src", STARTER_SOURCES, "--out", dir]);
  return { dir, tasks: await loadSuite(dir), cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Files of a source folder as {path, content}, e.g. a task's gold/ or tests/. */
export async function folderFiles(dir: string, prefix = ""): Promise<{ path: string; content: string }[]> {
  const files: { path: string; content: string }[] = [];
  const entries = await readdir(path.join(dir, prefix), { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) files.push(...(await folderFiles(dir, relative)));
    else files.push({ path: relative, content: await readFile(path.join(dir, relative), "utf8") });
  }
  return files;
}

export interface TaskAnswers {
  /** What the developer (and the debugger, if asked) writes. */
  code: { path: string; content: string }[];
  /** What the tester writes. */
  tests: { path: string; content: string }[];
}

/**
 * A model that plays every role for several tasks at once: it finds the task from the problem statement's
 * title in the prompt and answers with that task's files. With the gold files this is the "gold" model:
 * what a perfect crew would write.
 */
export async function startTaskModel(tasks: EvalTask[], answersFor: (task: EvalTask) => Promise<TaskAnswers>): Promise<ScriptedModel> {
  const answers = new Map<string, TaskAnswers>();
  for (const task of tasks) answers.set(task.instance_id, await answersFor(task));
  const taskOf = (request: ReceivedRequest): EvalTask => {
    const text = JSON.stringify(request.body["messages"] ?? []);
    const found = tasks.find((task) => text.includes(JSON.stringify(task.problem_statement.split("\n")[0]!).slice(1, -1)));
    if (!found) throw new Error(`request #${request.index} names none of the tasks`);
    return found;
  };
  return startScriptedModel({
    fallback: async (request) => {
      const task = taskOf(request);
      const { code, tests } = answers.get(task.instance_id)!;
      const role = request.role ?? "";
      const answer = await roleAnswer(role, task, code, tests);
      const reply = toolAnswer(role, answer, { prompt_tokens: 1_000, completion_tokens: 200 });
      return typeof reply === "function" ? reply(request) : reply;
    },
  });
}

async function roleAnswer(role: string, task: EvalTask, code: TaskAnswers["code"], tests: TaskAnswers["tests"]): Promise<object> {
  const title = task.problem_statement.split("\n")[0]!;
  switch (role) {
    case "architect":
      return {
        summary: `Change the code for: ${title}`,
        steps: ["Change the code", "Cover it with tests"],
        files: [...code, ...tests].map((file) => ({ path: file.path, action: "modify", purpose: "the change" })),
        test_plan: "Run the repository's test command.",
      };
    case "developer":
    case "debugger":
      return { summary: "Implement the change.", files: code };
    case "tester":
      return { summary: "Tests for the change.", files: tests };
    case "reviewer":
      return { verdict: "approve", comments: [] };
    case "documenter":
      return { summary: "Nothing to document.", files: [] };
    case "summarizer":
      return { title: title.slice(0, 70), body: "## What changed\n\nThe change the task asks for." };
    default:
      throw new Error(`unexpected role ${role}`);
  }
}

/** The gold answers of a starter task: its gold/ files as the code, its hidden tests as the tester's tests. */
export async function goldAnswers(task: EvalTask): Promise<TaskAnswers> {
  const source = path.join(STARTER_SOURCES, task.instance_id);
  return { code: await folderFiles(path.join(source, "gold")), tests: await folderFiles(path.join(source, "tests")) };
}

export function connectTo(model: ScriptedModel): ConnectModel {
  return (budget) =>
    createOpenAIModelClient({
      baseURL: model.baseURL,
      apiKey: TEST_KEY,
      timeoutMs: 20_000,
      maxRetries: 0,
      deadline: () => budget.deadline(),
    });
}

/**
 * The TypeScript tasks run with Node's type stripping (Node >= 22.6). On an older Node the tests put the
 * Node 24 binary that .ci/run installs (CODEGEN_CREW_NODE24) first on PATH; without one they say so.
 */
export async function nodeWithTypeStripping(): Promise<string | null> {
  const [major, minor] = process.versions.node.split(".").map(Number) as [number, number];
  if (major > 22 || (major === 22 && minor >= 6)) return path.dirname(process.execPath);
  const node24 = process.env.CODEGEN_CREW_NODE24;
  if (node24 && (await stat(node24).catch(() => null))) return path.dirname(node24);
  return null;
}
