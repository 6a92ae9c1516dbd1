import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { CommandRunner } from "../checks/command-runner.js";
import { detectCheckCommands } from "../checks/detect-commands.js";
import { installDependencies } from "../checks/install-dependencies.js";
import { runChecks } from "../checks/run-checks.js";
import type { CrewConfig } from "../config.js";
import type { CheckResult } from "../report/run-report.js";
import { Git } from "../workspace/git.js";

/**
 * The repository's checks on one commit, with no model involved: used after the bot's commits were put on
 * top of commits people pushed meanwhile, so the pushed result is validated as it really is.
 */
export async function checkCommit(input: {
  runner: CommandRunner;
  repoDir: string;
  commit: string;
  base: string;
  config: CrewConfig;
  secrets: string[];
  signal?: AbortSignal;
}): Promise<CheckResult[]> {
  const repo = await Git.open(input.repoDir);
  const parent = await mkdtemp(path.join(os.tmpdir(), "codegen-crew-recheck-"));
  const dir = path.join(parent, "worktree");
  await repo.raw(["worktree", "add", "--quiet", "--detach", dir, input.commit]);
  try {
    const { config } = input;
    const timeoutMs = config.command_timeout_seconds * 1000;
    const commands = await detectCheckCommands(dir, { ...(config.test ? { test: config.test } : {}), ...(config.lint ? { lint: config.lint } : {}) });
    const install = await installDependencies(input.runner, dir, {
      ...(config.install ? { command: config.install } : {}),
      pythonRequirements: config.install_python,
      timeoutMs,
      secrets: input.secrets,
      ...(input.signal ? { signal: input.signal } : {}),
    });
    // Between the commits, not against the checkout: the installation may have left untracked files there.
    const changed = (await repo.diffCommits(input.base, input.commit)).filter((f) => f.status !== "deleted").map((f) => f.path);
    const checks = await runChecks({
      runner: input.runner,
      dir,
      changedFiles: changed,
      commands,
      timeoutMs,
      secrets: input.secrets,
      ...(input.signal ? { signal: input.signal } : {}),
    });
    return [...(install ? [install] : []), ...checks];
  } finally {
    await repo.dropWorktree(parent);
  }
}
