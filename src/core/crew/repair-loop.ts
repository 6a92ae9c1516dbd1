import { createHash } from "node:crypto";
import { runBaseline } from "../checks/baseline.js";
import { detectCheckCommands } from "../checks/detect-commands.js";
import { installDependencies } from "../checks/install-dependencies.js";
import { policyCheck } from "../checks/policy-check.js";
import { runChecks } from "../checks/run-checks.js";
import { CrewError } from "../errors.js";
import type { CheckResult } from "../report/run-report.js";
import type { CrewState } from "./crew-state.js";
import { renderFiles, renderPlan, renderProblems } from "./prompt-text.js";

/**
 * Detects the check commands, installs dependencies (once, before any agent writes, so the lock file is the
 * repository's own) and starts the baseline test run on the base commit in the background.
 */
export async function prepareValidation(state: CrewState, signal: AbortSignal): Promise<void> {
  state.currentPhase = "tests";
  const { config } = state;
  const commands = await detectCheckCommands(state.workspace.dir, { ...(config.test ? { test: config.test } : {}), ...(config.lint ? { lint: config.lint } : {}) });
  state.commands = commands;
  state.noTestCommand = commands.test === undefined;
  const timeoutMs = config.command_timeout_seconds * 1000;
  const secrets = state.options.secrets ?? [];
  state.installResult = await installDependencies(state.deps.runner, state.workspace.dir, {
    ...(config.install ? { command: config.install } : {}),
    pythonRequirements: config.install_python,
    timeoutMs,
    secrets,
    signal,
  });
  // The baseline outlives this phase on purpose: it runs while the agents work, and round 0's checks await it.
  state.baseline = runBaseline({
    runner: state.deps.runner,
    repoDir: state.workspace.dir,
    baseCommit: state.workspace.baseCommit,
    commands,
    timeoutMs,
    secrets,
    signal: state.stopBackground.signal,
    dependenciesFrom: state.workspace.dir,
  });
}

/** Runs the repository's checks on the change (syntax first; tests only when the syntax is sound). */
export async function runValidation(state: CrewState, round: number, signal: AbortSignal): Promise<CheckResult[]> {
  state.currentPhase = "tests";
  const commands = state.commands;
  if (!commands) throw new CrewError("checks cannot run: the prepare phase did not finish", { phase: "tests" });
  const changed = (await state.workspace.changedFiles()).filter((f) => f.status !== "deleted").map((f) => f.path);
  const checks = await state.timeline.track(
    { phase: "tests", name: round > 0 ? `checks (round ${round})` : "checks", round },
    () =>
      runChecks({
        runner: state.deps.runner,
        dir: state.workspace.dir,
        changedFiles: changed,
        commands,
        timeoutMs: state.config.command_timeout_seconds * 1000,
        secrets: state.options.secrets ?? [],
        signal,
        newTestFiles: [...state.testFiles],
        ...(state.baseline ? { baseline: state.baseline } : {}),
      }).then((checks) => [
        // The policy stage and the install are part of what a reviewer needs to see for every round.
        policyCheck(state.refused),
        ...(state.installResult ? [state.installResult] : []),
        ...checks,
      ]),
    (results) => {
      const bad = results.filter(isFailing);
      return bad.length ? { status: "failed", detail: bad.map((c) => `${c.name}: ${c.status}`).join(", ") } : { status: "ok" };
    },
  );
  state.checks.set(round, checks);
  return checks;
}

export function isFailing(check: CheckResult): boolean {
  return check.status === "fail" || check.status === "timeout";
}

function problemsOf(state: CrewState, round: number): string[] {
  const problems = (state.checks.get(round) ?? []).filter(isFailing).map((c) => `${c.name} ${c.status === "timeout" ? "timed out" : "failed"}${c.failures.length ? `: ${c.failures.slice(0, 3).join(", ")}` : ""}`);
  for (const comment of state.blockingComments(round)) {
    problems.push(`review ${comment.severity}: ${comment.path}${comment.line ? `:${comment.line}` : ""} ${comment.message.split("\n")[0]!.slice(0, 160)}`);
  }
  return problems;
}

async function snapshot(state: CrewState): Promise<string> {
  const views = await state.changedFileViews();
  const hash = createHash("sha256");
  for (const view of views.sort((a, b) => a.path.localeCompare(b.path))) hash.update(`${view.path}\0${view.content ?? "<deleted>"}\0`);
  return hash.digest("hex");
}

/**
 * Bounded repair: while checks fail or blocking review comments remain, the debugger gets a summary of what
 * failed (never a raw error from another agent) and revises the files; then review and checks run again, in
 * parallel. Stops after `max_rounds`, or early when a round changes nothing or returns to an earlier state.
 */
export async function runRepairLoop(state: CrewState, signal: AbortSignal): Promise<void> {
  recordRound(state, 0, state.developerStartedAt ?? Date.now(), (await state.changedFileViews()).map((v) => v.path));
  const seen = new Set<string>([await snapshot(state)]);

  for (let round = 1; round <= state.config.max_rounds; round++) {
    const previous = round - 1;
    const failing = (state.checks.get(previous) ?? []).filter(isFailing);
    const blocking = state.blockingComments(previous);
    if (failing.length === 0 && blocking.length === 0) return;

    const started = Date.now();
    state.deps.onProgress?.({ type: "round", round, problems: problemsOf(state, previous), at: started });
    const before = await state.changedFileViews();
    const input = [
      renderPlan(state.plan!),
      renderFiles("The current change", before),
      renderProblems(failing, blocking, state.pendingRefusals),
      "Fix these problems.",
    ].join("\n\n");
    const answer = await state.ask("debugger", "debugger", round, input, signal, true);
    const touched = await state.apply("debugger", answer);
    const after = await snapshot(state);
    if (touched.length === 0 || seen.has(after)) {
      // The checks and review on record describe the last commit: put the files back so they stay true.
      await state.workspace.discardUncommitted();
      state.stopNote = seen.has(after) && touched.length > 0 && after !== [...seen].at(-1)
        ? `the debugger's round ${round} returned the change to an earlier round's state, so the repair loop stopped early`
        : `the debugger's round ${round} changed nothing, so the repair loop stopped early`;
      recordRound(state, round, started, []);
      return;
    }
    seen.add(after);
    await state.commit("debugger", answer.summary, round);
    await Promise.all([state.review(round, signal), runValidation(state, round, signal)]);
    recordRound(state, round, started, touched);
  }
}

function recordRound(state: CrewState, round: number, started: number, changedFiles: string[]): void {
  const review = state.reviews.get(round);
  state.rounds.push({
    round,
    durationMs: Date.now() - started,
    checks: state.checks.get(round) ?? [],
    review: review ? { verdict: review.verdict, blocking: state.blockingComments(round).length } : null,
    problems: problemsOf(state, round),
    changedFiles,
  });
}
