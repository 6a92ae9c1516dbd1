import path from "node:path";
import { DEFAULT_CONFIG_PATH, parseConfigText, type CrewConfig } from "../config.js";
import type { CommandRunner } from "../checks/command-runner.js";
import type { ConnectModel } from "../model/model-client.js";
import type { ProgressListener } from "../progress.js";
import type { RunReport, UsageTotals } from "../report/run-report.js";
import type { Task } from "../task.js";
import { ChangePolicy } from "../workspace/change-policy.js";
import { Git } from "../workspace/git.js";
import { createRunWorkspace } from "../workspace/run-workspace.js";
import { createModelStack } from "./model-stack.js";
import type { CrewSnapshot } from "./crew-snapshot.js";
import { runCrew } from "./run-crew.js";
import type { CrewWorkflow } from "./workflows.js";

export interface RepositoryRunOptions {
  /** A local clone; the run works in a separate worktree of it. */
  repoDir: string;
  task: Task;
  /** The branch the change lands on (a free suffix is added when it exists locally). */
  branch: string;
  /** Commit the branch starts from, and the change is measured from (default HEAD). */
  baseRef?: string;
  /** For a revision: the head of the branch being revised (the worktree starts there; see RunWorkspaceOptions). */
  startRef?: string;
  /** Which workflow runs (default: a new change) and the snapshot it carries on from. */
  workflow?: CrewWorkflow;
  seed?: CrewSnapshot;
  /** Where the config is read from, at the base commit. */
  configPath?: string;
  connect: ConnectModel;
  /** Where the checks run: the sandbox the entry point built once (createSandbox), or a job's lease of it. */
  runner: CommandRunner;
  model?: string;
  sequential?: boolean;
  secrets?: string[];
  cacheDir?: string;
  transcriptFile?: string;
  meta?: Record<string, unknown>;
  onProgress?: ProgressListener;
  onUsage?: (totals: UsageTotals) => void;
  signal?: AbortSignal;
}

export interface RepositoryRun {
  report: RunReport;
  branch: string;
  config: CrewConfig;
}

/** Reads the crew config as committed at `ref`; a missing file means defaults. */
export async function readConfigAt(repoDir: string, ref: string, configPath = DEFAULT_CONFIG_PATH): Promise<CrewConfig> {
  const git = await Git.open(repoDir);
  const text = await git.show(ref, configPath);
  return parseConfigText(text ?? "", configPath);
}

/**
 * The shared core of every entry point: config from the base commit, a worktree on a new branch (the
 * clone's checkout is never touched), the model stack, the crew. Commits stay on the local branch; the
 * caller decides what to do with them (leave them, push them).
 */
export async function runCrewInRepository(options: RepositoryRunOptions): Promise<RepositoryRun> {
  const repo = await Git.open(options.repoDir);
  const baseCommit = await repo.revParse(options.baseRef ?? "HEAD");
  const config = await readConfigAt(options.repoDir, baseCommit, options.configPath);
  const workspace = await createRunWorkspace({
    repoDir: options.repoDir,
    branch: options.branch,
    baseRef: baseCommit,
    ...(options.startRef ? { startRef: options.startRef } : {}),
    policy: new ChangePolicy({ ...(config.paths.allow ? { allow: config.paths.allow } : {}), deny: config.paths.deny }),
  });
  try {
    const stack = await createModelStack({
      config,
      connect: options.connect,
      ...(options.transcriptFile
        ? {
            transcript: {
              file: options.transcriptFile,
              meta: { task: options.task, repoDir: path.resolve(options.repoDir), baseCommit, branch: workspace.branch, ...options.meta },
            },
          }
        : {}),
      ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}),
      ...(options.onUsage ? { onUsage: (_call, totals) => options.onUsage!(totals) } : {}),
    });
    const report = await runCrew(
      {
        model: stack.model,
        budget: stack.budget,
        ledger: stack.ledger,
        workspace,
        runner: options.runner,
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      },
      options.task,
      {
        config,
        ...(options.model ? { model: options.model } : {}),
        ...(options.sequential ? { sequential: true } : {}),
        ...(options.secrets ? { secrets: options.secrets } : {}),
        ...(options.workflow ? { workflow: options.workflow } : {}),
        ...(options.seed ? { seed: options.seed } : {}),
      },
    );
    await stack.recorder?.flush();
    return { report, branch: workspace.branch, config };
  } finally {
    await workspace.dispose();
  }
}
