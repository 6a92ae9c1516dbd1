import path from "node:path";
import { ConfigError } from "../core/errors.js";
import { ReplayModelClient, readTranscript } from "../core/model/transcript.js";
import type { Task } from "../core/task.js";
import { runOnLocalRepository } from "./local-run.js";
import { createProgressPrinter } from "./progress-printer.js";
import { printResult } from "./run-command.js";

const EXIT_BY_RESULT = { ready: 0, skipped: 0, draft: 2, failed: 1 } as const;

/** Re-runs a recorded run with no network: same task, same base commit, the recorded model answers. */
export async function runReplayCommand(file: string, opts: { repo?: string }): Promise<number> {
  const transcript = await readTranscript(path.resolve(file));
  const meta = transcript.header.meta;
  const task = meta["task"] as Task | undefined;
  const repoDir = opts.repo ?? (typeof meta["repoDir"] === "string" ? meta["repoDir"] : undefined);
  const baseCommit = typeof meta["baseCommit"] === "string" ? meta["baseCommit"] : undefined;
  if (!task || typeof task.title !== "string" || !repoDir || !baseCommit) {
    throw new ConfigError(`${file}: the transcript header lacks task, repoDir or baseCommit; it was not written by \`codegen-crew run\``, { file });
  }
  const replay = new ReplayModelClient(transcript, file);
  const printer = createProgressPrinter();
  try {
    const result = await runOnLocalRepository({
      repoDir: path.resolve(repoDir),
      task,
      baseRef: baseCommit,
      connect: () => replay,
      onProgress: printer.onProgress,
      onUsage: printer.onUsage,
      meta: { replayOf: path.resolve(file) },
    });
    printer.stop();
    printResult(result);
    return EXIT_BY_RESULT[result.report.result];
  } finally {
    printer.stop();
  }
}
