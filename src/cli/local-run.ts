import { appendFile, mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { runCrewInRepository, type RepositoryRunOptions } from "../core/crew/run-in-repository.js";
import { taskSlug } from "../core/intake.js";
import { renderReportMarkdown } from "../core/report/render-markdown.js";
import type { RunReport } from "../core/report/run-report.js";
import type { CommandRunner } from "../core/checks/command-runner.js";
import { findGitCredentials } from "../core/checks/git-credentials.js";
import { startSandbox } from "../core/checks/sandbox-startup.js";
import { Git } from "../core/workspace/git.js";

export const OUTPUT_DIR = ".codegen-crew";

/**
 * A repository run as the CLI starts it: the branch and the transcript's place are the CLI's to choose, and
 * the sandbox is built here (once: the CLI does one run per process) unless the caller passes one.
 */
export type LocalRunOptions = Omit<RepositoryRunOptions, "branch" | "transcriptFile" | "runner"> & { runner?: CommandRunner };

export interface LocalRunResult {
  report: RunReport;
  outDir: string;
  branch: string;
}

/**
 * One crew run on a local repository: a worktree on a new branch (the user's checkout is never touched),
 * the run, then the report, the PR text and the transcript written to `.codegen-crew/runs/<id>/`.
 */
export async function runOnLocalRepository(options: LocalRunOptions): Promise<LocalRunResult> {
  const repo = await Git.open(options.repoDir);
  const repoDir = (await repo.raw(["rev-parse", "--show-toplevel"])).trim();
  // Your repository's config is yours: the CLI does not edit it, but says when checks could read a credential in it.
  const credentials = await findGitCredentials(repoDir).catch(() => []);
  if (credentials.length) {
    process.stderr.write(
      `warning: ${repoDir}'s git config holds credentials (${credentials.map((c) => c.key).join(", ")}); the checks run code from the change in a worktree of it and could read them\n`,
    );
  }
  const slug = taskSlug(options.task);
  const runId = `${new Date().toISOString().replace(/[-:]/g, "").replace(/\..*/, "")}-${slug}`;
  const outDir = path.join(repoDir, OUTPUT_DIR, "runs", runId);
  await mkdir(outDir, { recursive: true });
  await ignoreOutputDir(repoDir);

  const runner =
    options.runner ??
    (await startSandbox({
      environment: process.env,
      secrets: options.secrets ?? [],
      weakTier: "warn",
      log: { info: () => undefined, warn: (message) => process.stderr.write(`warning: ${message}\n`) },
    }));
  const { report, branch } = await runCrewInRepository({
    ...options,
    runner,
    repoDir,
    branch: `codegen-crew/${slug}`,
    transcriptFile: path.join(outDir, "transcript.jsonl"),
  });
  await writeOutputs(outDir, report);
  await writeFile(path.join(repoDir, OUTPUT_DIR, "last-run"), `${runId}\n`);
  return { report, outDir, branch };
}

async function writeOutputs(outDir: string, report: RunReport): Promise<void> {
  await writeFile(path.join(outDir, "report.json"), `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(path.join(outDir, "report.md"), renderReportMarkdown(report));
  if (report.pullRequest) {
    await writeFile(path.join(outDir, "pull-request.md"), `# ${report.pullRequest.title}\n\n${report.pullRequest.body}\n`);
  }
}

/** Keeps run outputs out of `git status` without touching a tracked file. */
async function ignoreOutputDir(repoDir: string): Promise<void> {
  const git = await Git.open(repoDir);
  const excludeFile = path.resolve(repoDir, (await git.raw(["rev-parse", "--git-path", "info/exclude"])).trim());
  const current = await readFile(excludeFile, "utf8").catch(() => "");
  if (current.split("\n").includes(`/${OUTPUT_DIR}/`)) return;
  await mkdir(path.dirname(excludeFile), { recursive: true });
  await appendFile(excludeFile, `${current && !current.endsWith("\n") ? "\n" : ""}/${OUTPUT_DIR}/\n`);
}

/** The transcript of the repository's last run, for `--show`. */
export async function lastRunDir(repoDir: string): Promise<string | undefined> {
  const id = (await readFile(path.join(repoDir, OUTPUT_DIR, "last-run"), "utf8").catch(() => "")).trim();
  return id ? path.join(repoDir, OUTPUT_DIR, "runs", id) : undefined;
}
