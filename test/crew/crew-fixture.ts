import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { runOnLocalRepository, type LocalRunResult } from "../../src/cli/local-run.js";
import { createCliTask } from "../../src/core/intake.js";
import { createOpenAIModelClient } from "../../src/core/model/openai-model-client.js";
import type { ProgressEvent } from "../../src/core/progress.js";
import { demoAnswers } from "../../src/demo/demo-answers.js";
import { createSampleRepo } from "../../src/demo/sample-repo.js";
import type { ReplyUsage } from "../../src/demo/chat-completions-server.js";
import { toolAnswer, type ScriptedModel } from "../support/scripted-model.js";
import { git, writeFiles } from "../support/temp-repo.js";
import { checksRunner } from "../support/checks-runner.js";

export const TEST_KEY = "sk-test-0123456789abcdef";

/** The demo's sample repository (a real node --test project) in a temp folder, with optional config. */
export async function sampleRepo(config?: string): Promise<{ dir: string; task: string; cleanup(): Promise<void> }> {
  const root = await mkdtemp(path.join(os.tmpdir(), "codegen-crew-crew-"));
  const sample = await createSampleRepo(path.join(root, "repo"));
  if (config) {
    await writeFiles(sample.dir, { ".github/codegen-crew.yml": config });
    await git(sample.dir, "add", "-A");
    await git(sample.dir, "commit", "-q", "-m", "config");
  }
  return { ...sample, cleanup: () => rm(root, { recursive: true, force: true }) };
}

/** Scripts every role with the demo's story: a buggy first attempt, a failing test, one debugger round. */
export function scriptDemoStory(model: ScriptedModel, skip: string[] = [], usage?: ReplyUsage): void {
  for (const [role, answers] of Object.entries(demoAnswers)) {
    if (skip.includes(role)) continue;
    model.on(role, ...answers.map((a) => toolAnswer(role, a, usage)));
  }
}

export async function runAgainst(
  model: ScriptedModel,
  repoDir: string,
  task: string,
  options: { sequential?: boolean; events?: ProgressEvent[]; maxRetries?: number; timeoutMs?: number } = {},
): Promise<LocalRunResult> {
  return runOnLocalRepository({
    repoDir,
    task: createCliTask(task),
    sequential: options.sequential,
    secrets: [TEST_KEY],
    // The crew's logic is the point here; test/checks/sandbox.test.ts proves the isolation.
    runner: await checksRunner(),
    connect: (budget) =>
      createOpenAIModelClient({
        baseURL: model.baseURL,
        apiKey: TEST_KEY,
        timeoutMs: options.timeoutMs ?? 10_000,
        maxRetries: options.maxRetries ?? 2,
        backoff: { baseMs: 5, maxMs: 20 },
        deadline: () => budget.deadline(),
      }),
    ...(options.events ? { onProgress: (e: ProgressEvent) => options.events!.push(e) } : {}),
  });
}

/** The text of every message of a request, for "what did this agent see" assertions. */
export function promptText(body: Record<string, unknown>): string {
  return JSON.stringify(body["messages"] ?? []);
}
