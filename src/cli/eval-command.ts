import path from "node:path";
import { ConfigError } from "../core/errors.js";
import { loadSuite, loadSweBench } from "../core/eval/load-suite.js";
import type { CommandRunner } from "../core/checks/command-runner.js";
import { startSandbox } from "../core/checks/sandbox-startup.js";
import { runEvalSuite } from "../core/eval/run-suite.js";
import type { EvalTask } from "../core/eval/task-format.js";
import { validateTask } from "../core/eval/validate-suite.js";
import { connectEndpoint } from "../core/model/connect-endpoint.js";
import { knownSecrets, resolveEndpoint } from "../core/model/endpoint.js";
import { createEvalProgressPrinter } from "./eval-progress.js";

export interface EvalCommandOptions {
  suite?: string;
  sweBench?: string;
  repos?: string;
  testCommand?: string;
  tasks?: string;
  jobs: number;
  model?: string;
  baseUrl?: string;
  out?: string;
  validate?: boolean;
  testTimeout: number;
}

/** Exit 0 when the suite ran, whatever its rate; validation exits 1 when a task is not sound. */
export async function runEvalCommand(opts: EvalCommandOptions, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const tasks = await readTasks(opts);
  const testTimeoutMs = opts.testTimeout * 1000;
  const sandbox = () =>
    startSandbox({
      environment: env,
      secrets: knownSecrets(env, []),
      weakTier: "warn",
      log: { info: () => undefined, warn: (message) => process.stderr.write(`warning: ${message}\n`) },
    });
  if (opts.validate) return validate(tasks, testTimeoutMs, await sandbox());

  // Resolved before anything runs: no key means no task starts, and the user hears it first.
  const endpoint = resolveEndpoint(env, { ...(opts.baseUrl ? { baseURL: opts.baseUrl } : {}) });
  const model = opts.model ?? env.CODEGEN_MODEL;
  const outDir = path.resolve(opts.out ?? path.join("eval-results", new Date().toISOString().replace(/[-:]/g, "").replace(/\..*/, "")));
  const printer = createEvalProgressPrinter(tasks.length);
  try {
    const run = await runEvalSuite({
      tasks,
      jobs: opts.jobs,
      outDir,
      suite: opts.suite ?? opts.sweBench ?? "",
      connect: connectEndpoint(endpoint),
      runner: await sandbox(),
      ...(model ? { model } : {}),
      secrets: knownSecrets(env, [endpoint.apiKey]),
      testTimeoutMs,
      onEvent: printer.onEvent,
    });
    printer.stop();
    const s = run.summary;
    const rate = s.resolved_rate === null ? "no task graded" : `${s.resolved}/${s.graded} resolved (${(s.resolved_rate * 100).toFixed(1)} %)`;
    const interval = s.resolved_interval_95 ? `, 95 % CI ${(s.resolved_interval_95[0] * 100).toFixed(1)}–${(s.resolved_interval_95[1] * 100).toFixed(1)} %` : "";
    process.stdout.write(`\n${rate}${interval}; ${s.errors} error(s); $${s.cost_usd.total.toFixed(4)}\nResults: ${run.files.results}\nSummary: ${run.files.markdown}\n`);
    return 0;
  } finally {
    printer.stop();
  }
}

async function readTasks(opts: EvalCommandOptions): Promise<EvalTask[]> {
  const only = opts.tasks
    ? opts.tasks
        .split(",")
        .map((id) => id.trim())
        .filter(Boolean)
    : undefined;
  if (opts.suite && opts.sweBench) throw new ConfigError("pass --suite or --swe-bench, not both");
  if (opts.suite) return loadSuite(path.resolve(opts.suite), only);
  if (opts.sweBench) {
    if (!opts.repos) throw new ConfigError("--swe-bench needs --repos DIR (clones as DIR/<owner>__<name>)", { key: "repos" });
    return loadSweBench(path.resolve(opts.sweBench), path.resolve(opts.repos), { ...(opts.testCommand ? { testCommand: opts.testCommand } : {}), ...(only ? { only } : {}) });
  }
  throw new ConfigError("no tasks: pass --suite DIR (a folder with tasks.jsonl) or --swe-bench FILE --repos DIR", { key: "suite" });
}

async function validate(tasks: EvalTask[], testTimeoutMs: number, runner: CommandRunner): Promise<number> {
  let invalid = 0;
  for (const task of tasks) {
    const result = await validateTask(task, { testTimeoutMs, runner });
    if (result.status === "valid") process.stdout.write(`✔ ${task.instance_id}\n`);
    else {
      invalid += 1;
      process.stdout.write(`✖ ${task.instance_id}: error\n${result.problems.map((p) => `    ${p}`).join("\n")}\n`);
    }
  }
  process.stdout.write(`\n${tasks.length - invalid} of ${tasks.length} tasks valid${invalid ? `, ${invalid} error(s) (not counted)` : ""}\n`);
  return invalid ? 1 : 0;
}
