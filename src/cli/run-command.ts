import { readFile } from "node:fs/promises";
import path from "node:path";
import { createInterface } from "node:readline/promises";
import { ConfigError } from "../core/errors.js";
import { createCliTask } from "../core/intake.js";
import { knownSecrets, resolveEndpoint } from "../core/model/endpoint.js";
import { connectEndpoint } from "../core/model/connect-endpoint.js";
import { renderReportText } from "../core/report/render-markdown.js";
import { runOnLocalRepository, type LocalRunResult } from "./local-run.js";
import { createProgressPrinter } from "./progress-printer.js";

export interface RunCommandOptions {
  repo: string;
  task?: string;
  taskFile?: string;
  model?: string;
  baseUrl?: string;
  base: string;
  sequential?: boolean;
  cache?: string;
}

const EXIT_BY_RESULT = { ready: 0, skipped: 0, draft: 2, failed: 1 } as const;

export async function runRunCommand(opts: RunCommandOptions, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const taskText = await readTask(opts);
  // Resolved before anything else: no key means no model call, and the user hears it first.
  const endpoint = resolveEndpoint(env, { ...(opts.baseUrl ? { baseURL: opts.baseUrl } : {}) });
  const printer = createProgressPrinter();
  try {
    const result = await runOnLocalRepository({
      repoDir: path.resolve(opts.repo),
      task: createCliTask(taskText),
      baseRef: opts.base,
      model: opts.model ?? env.CODEGEN_MODEL,
      sequential: opts.sequential,
      secrets: knownSecrets(env, [endpoint.apiKey]),
      ...(opts.cache ? { cacheDir: path.resolve(opts.cache) } : {}),
      connect: connectEndpoint(endpoint),
      onProgress: printer.onProgress,
      onUsage: printer.onUsage,
    });
    printer.stop();
    printResult(result);
    return EXIT_BY_RESULT[result.report.result];
  } finally {
    printer.stop();
  }
}

export function printResult(result: LocalRunResult, out: NodeJS.WritableStream = process.stdout): void {
  out.write(`\n${renderReportText(result.report)}\n`);
  out.write(`\nBranch:  ${result.branch}\nOutputs: ${result.outDir}\n`);
}

async function readTask(opts: RunCommandOptions): Promise<string> {
  if (opts.task !== undefined) return nonEmpty(opts.task, "--task");
  if (opts.taskFile !== undefined) {
    const text = await readFile(opts.taskFile, "utf8").catch((error: NodeJS.ErrnoException) => {
      throw new ConfigError(`--task-file ${opts.taskFile}: ${error.code === "ENOENT" ? "no such file" : error.message}`, { file: opts.taskFile });
    });
    return nonEmpty(text, `--task-file ${opts.taskFile}`);
  }
  if (!process.stdin.isTTY) throw new ConfigError("no task: pass --task TEXT or --task-file FILE");
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return nonEmpty(await rl.question("What should the crew do? "), "the task");
  } finally {
    rl.close();
  }
}

function nonEmpty(text: string, where: string): string {
  if (!text.trim()) throw new ConfigError(`${where} is empty: describe what the crew should do`);
  return text;
}
