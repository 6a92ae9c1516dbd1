import { runBaseline, type Baseline } from "../checks/baseline.js";
import { detectCheckCommands, type CheckCommands } from "../checks/detect-commands.js";
import { installDependencies } from "../checks/install-dependencies.js";
import { policyCheck } from "../checks/policy-check.js";
import { runChecks } from "../checks/run-checks.js";
import { checkSyntax } from "../checks/syntax-check.js";
import { SyntaxMemo } from "../checks/syntax-memo.js";
import type { CheckResult } from "../report/run-report.js";
import type { CrewRun } from "./crew-run.js";

export function isFailing(check: CheckResult): boolean {
  return check.status === "fail" || check.status === "timeout";
}

/**
 * The checks of one run, set up once by the "prepare" phase: the commands, the dependency install and the
 * baseline test run on the base commit (started in the background: it runs while the agents work, and a
 * failing test run awaits it). Every round checks the change through `check`.
 */
export class Validation {
  /** Shared by the static checks and every round's checks of this run. */
  private readonly syntaxMemo = new SyntaxMemo();

  constructor(
    private readonly run: CrewRun,
    readonly commands: CheckCommands,
    readonly install: CheckResult | null,
    readonly baseline: Promise<Baseline>,
  ) {}

  get hasTestCommand(): boolean {
    return this.commands.test !== undefined;
  }

  /** Runs the repository's checks on the change (syntax first; tests only when the syntax is sound). */
  async check(round: number, signal: AbortSignal): Promise<CheckResult[]> {
    const { run } = this;
    const changed = (await run.workspace.changedFiles()).filter((f) => f.status !== "deleted").map((f) => f.path);
    return run.timeline.track(
      { phase: "tests", name: round > 0 ? `checks (round ${round})` : "checks", round },
      async () => [
        // The policy stage and the install are part of what a reviewer needs to see for every round.
        policyCheck([...run.authorship.refused]),
        ...(this.install ? [this.install] : []),
        ...(await runChecks({
          runner: run.deps.runner,
          dir: run.workspace.dir,
          changedFiles: changed,
          commands: this.commands,
          timeoutMs: run.commandTimeoutMs,
          secrets: run.secrets,
          signal,
          newTestFiles: run.authorship.testFiles,
          baseline: this.baseline,
          syntaxMemo: this.syntaxMemo,
        })),
      ],
      (results) => {
        const bad = results.filter(isFailing);
        return bad.length ? { status: "failed", detail: bad.map((c) => `${c.name}: ${c.status}`).join(", ") } : { status: "ok" };
      },
    );
  }

  /** The syntax of the changed files alone: an early signal while the tester and the documenter write. */
  async staticCheck(round: number): Promise<CheckResult> {
    const { run } = this;
    return run.timeline.track(
      { phase: "static-checks", name: round > 0 ? `static checks (round ${round})` : "static checks", round },
      () =>
        run.betweenWrites(async () => {
          const files = (await run.workspace.changedFiles()).filter((f) => f.status !== "deleted").map((f) => f.path);
          return checkSyntax(run.deps.runner, run.workspace.dir, files, { timeoutMs: run.commandTimeoutMs, memo: this.syntaxMemo });
        }),
      (r) => ({ status: r.status === "fail" ? "failed" : r.status === "skipped" ? "skipped" : "ok", detail: r.failures.join("; ") }),
    );
  }
}

/**
 * Detects the check commands, installs dependencies (once, before any agent writes — the "change" phase needs
 * this one — so the lock file is the repository's own) and starts the baseline test run on the base commit.
 */
export async function prepareValidation(run: CrewRun, signal: AbortSignal): Promise<Validation> {
  const { config } = run;
  return run.timeline.track(
    { phase: "tests", name: "prepare checks", round: 0 },
    async () => {
      const commands = await detectCheckCommands(run.workspace.dir, { ...(config.test ? { test: config.test } : {}), ...(config.lint ? { lint: config.lint } : {}) });
      const install = await installDependencies(run.deps.runner, run.workspace.dir, {
        ...(config.install ? { command: config.install } : {}),
        pythonRequirements: config.install_python,
        timeoutMs: run.commandTimeoutMs,
        secrets: run.secrets,
        signal,
      });
      const baseline = runBaseline({
        runner: run.deps.runner,
        repoDir: run.workspace.dir,
        baseCommit: run.workspace.baseCommit,
        commands,
        timeoutMs: run.commandTimeoutMs,
        secrets: run.secrets,
        signal: run.stopBackground.signal,
        dependenciesFrom: run.workspace.dir,
      });
      // Nobody may await the baseline (a run that stops early); its rejection must not go unhandled.
      baseline.catch(() => undefined);
      return new Validation(run, commands, install, baseline);
    },
    (validation) => ({ detail: validation.commands.test ? `test: ${validation.commands.test.command}` : "no test command found" }),
  );
}
