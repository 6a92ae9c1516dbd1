import { appendFile, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import pLimit from "p-limit";
import type { UsageTotals } from "../report/run-report.js";
import { renderSummaryMarkdown } from "./render-summary.js";
import { taskResultSchema, type EvalSummary, type TaskResult } from "./results-schema.js";
import { evalTask, type EvalRunOptions } from "./run-task.js";
import { summarize } from "./summary.js";
import type { EvalTask } from "./task-format.js";

/**
 * A suite run: tasks `jobs` at a time, each in its own folder; results.jsonl grows as tasks finish (a
 * crash keeps what was done) and is rewritten in suite order at the end, next to summary.json and
 * summary.md.
 */

export type EvalEvent =
  | { type: "task-start"; id: string; running: number }
  | { type: "task-end"; result: TaskResult; done: number; resolved: number; total: number }
  | { type: "usage"; tokens: number; costUsd: number };

export interface EvalSuiteOptions extends Omit<EvalRunOptions, "onUsage"> {
  tasks: EvalTask[];
  jobs: number;
  outDir: string;
  /** Shown in the summary: the suite's folder or file. */
  suite: string;
  onEvent?: (event: EvalEvent) => void;
}

export interface EvalSuiteRun {
  results: TaskResult[];
  summary: EvalSummary;
  files: { results: string; summary: string; markdown: string };
}

export const RESULTS_FILE = "results.jsonl";
export const SUMMARY_FILE = "summary.json";
export const SUMMARY_MARKDOWN = "summary.md";

export async function runEvalSuite(opts: EvalSuiteOptions): Promise<EvalSuiteRun> {
  const startedAt = new Date();
  await mkdir(opts.outDir, { recursive: true });
  const files = { results: path.join(opts.outDir, RESULTS_FILE), summary: path.join(opts.outDir, SUMMARY_FILE), markdown: path.join(opts.outDir, SUMMARY_MARKDOWN) };
  await writeFile(files.results, "");
  const emit = (event: EvalEvent) => {
    try {
      opts.onEvent?.(event);
    } catch {
      // Observers never break a run.
    }
  };

  const usage = new Map<string, UsageTotals>();
  const onUsage = (id: string, totals: UsageTotals) => {
    usage.set(id, totals);
    let tokens = 0;
    let costUsd = 0;
    for (const t of usage.values()) {
      tokens += t.promptTokens + t.completionTokens;
      costUsd += t.costUsd;
    }
    emit({ type: "usage", tokens, costUsd });
  };

  const limit = pLimit(Math.max(1, Math.floor(opts.jobs)));
  const byId = new Map<string, TaskResult>();
  let running = 0;
  let resolved = 0;
  await Promise.all(
    opts.tasks.map((task) =>
      limit(async () => {
        running += 1;
        emit({ type: "task-start", id: task.instance_id, running });
        const result = taskResultSchema.parse(await evalTask(task, { ...opts, onUsage }));
        running -= 1;
        byId.set(task.instance_id, result);
        if (result.status === "resolved") resolved += 1;
        await appendFile(files.results, `${JSON.stringify(result)}\n`);
        emit({ type: "task-end", result, done: byId.size, resolved, total: opts.tasks.length });
      }),
    ),
  );

  const results = opts.tasks.map((task) => byId.get(task.instance_id)!);
  const summary = summarize(results, { suite: opts.suite, model: opts.model ?? null, startedAt, endedAt: new Date() });
  await writeFile(files.results, results.map((result) => `${JSON.stringify(result)}\n`).join(""));
  await writeFile(files.summary, `${JSON.stringify(summary, null, 2)}\n`);
  await writeFile(files.markdown, renderSummaryMarkdown(summary, results));
  return { results, summary, files };
}
