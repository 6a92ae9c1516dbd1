import { callAgent } from "../agent/call-agent.js";
import type { Baseline } from "../checks/baseline.js";
import type { CheckCommands } from "../checks/detect-commands.js";
import { checkSyntax } from "../checks/syntax-check.js";
import type { CrewConfig } from "../config.js";
import { sanitizeUntrustedText } from "../intake.js";
import type { Phase } from "../errors.js";
import type { CheckResult, ReviewComment, RoundRecord } from "../report/run-report.js";
import type { ArchitectAnswer } from "../roles/architect.js";
import { roles } from "../roles/index.js";
import type { ReviewerAnswer } from "../roles/reviewer.js";
import type { RoleName } from "../roles/role-names.js";
import type { FileChangeAnswer, RoleSpec } from "../roles/role-spec.js";
import type { Task } from "../task.js";
import type { RunWorkspace } from "../workspace/run-workspace.js";
import { agentSettings } from "./crew-settings.js";
import type { PhaseTimeline } from "./phase-timeline.js";
import { renderFiles, renderPlan, type FileView } from "./prompt-text.js";
import type { CrewDeps, CrewOptions } from "./run-crew.js";

type AnswerOf<R extends RoleName> = (typeof roles)[R] extends RoleSpec<infer T> ? T : never;

/** Roles that write production code; the tester may not overwrite what these wrote. */
const CODE_AUTHORS: ReadonlySet<RoleName> = new Set(["developer", "debugger"]);

/**
 * The mutable state of one run, shared by the phases of the graph. Each field is written by one phase and
 * read by the phases that need it (the graph's edges make that ordering safe).
 */
export class CrewState {
  readonly config: CrewConfig;
  readonly workspace: RunWorkspace;
  currentPhase: Phase = "intake";
  taskText = "";
  sharedContext = "";
  plan: ArchitectAnswer | undefined;
  reviews = new Map<number, ReviewerAnswer>();
  staticResults = new Map<number, CheckResult>();
  checks = new Map<number, CheckResult[]>();
  rounds: RoundRecord[] = [];
  refused: { path: string; reason: string; agent: RoleName }[] = [];
  /** Refusals from the latest apply, told to the debugger so it does not repeat them. */
  pendingRefusals: { path: string; reason: string }[] = [];
  authors = new Map<string, Set<RoleName>>();
  testFiles = new Set<string>();
  noTestCommand = false;
  /** Set by the "prepare" phase: the check commands, the dependency install and the baseline run. */
  commands: CheckCommands | undefined;
  installResult: CheckResult | null = null;
  baseline: Promise<Baseline> | undefined;
  /** Stops background work (the baseline) when the run ends before it does. */
  readonly stopBackground = new AbortController();
  stopNote: string | undefined;
  developerStartedAt: number | undefined;
  pullRequest: { title: string; body: string } | null = null;

  constructor(
    readonly deps: CrewDeps,
    readonly task: Task,
    readonly options: CrewOptions,
    readonly timeline: PhaseTimeline,
  ) {
    this.config = options.config;
    this.workspace = deps.workspace;
  }

  get latestReview(): ReviewerAnswer | undefined {
    const rounds = [...this.reviews.keys()].sort((a, b) => b - a);
    return rounds.length ? this.reviews.get(rounds[0]!) : undefined;
  }

  get latestChecks(): CheckResult[] {
    const rounds = [...this.checks.keys()].sort((a, b) => b - a);
    return rounds.length ? this.checks.get(rounds[0]!)! : [];
  }

  /** One agent call, timed as a phase. */
  async ask<R extends RoleName>(role: R, phase: Phase, round: number, input: string, signal: AbortSignal, withTools = false): Promise<AnswerOf<R>> {
    this.currentPhase = phase;
    const spec = roles[role];
    const settings = agentSettings(this.config, role, this.options.model);
    const name = round > 0 ? `${role} (round ${round})` : role;
    const result = await this.timeline.track({ phase, name, agent: role, round }, () =>
      callAgent(this.deps.model, spec as never, settings, {
        phase,
        round,
        sharedContext: this.sharedContext,
        input,
        ...(withTools ? { repoDir: this.workspace.dir } : {}),
        signal,
      }),
    );
    return result.answer as AnswerOf<R>;
  }

  /** Writes an agent's files through the change policy; what is refused is recorded, never written. */
  async apply(role: RoleName, answer: FileChangeAnswer): Promise<string[]> {
    const change = { files: [...answer.files], deletions: [...(answer.deletions ?? [])] };
    const refusedHere: { path: string; reason: string }[] = [];
    if (role === "tester") {
      // Tests must not quietly rewrite the code they test (the documenter's edits are re-checked instead).
      const own = (path: string) => {
        const by = this.authors.get(path);
        return !by || ![...by].some((a) => CODE_AUTHORS.has(a));
      };
      for (const file of change.files.filter((f) => !own(f.path))) {
        refusedHere.push({ path: file.path, reason: `the ${role} may not overwrite code written by the ${[...this.authors.get(file.path)!].join("/")}` });
      }
      change.files = change.files.filter((f) => own(f.path));
      change.deletions = [];
    }
    const result = await this.workspace.applyChange(change, role);
    refusedHere.push(...result.refused);
    this.refused.push(...refusedHere.map((r) => ({ ...r, agent: role })));
    this.pendingRefusals = refusedHere;
    for (const path of [...result.written, ...result.deleted]) {
      const by = this.authors.get(path) ?? new Set<RoleName>();
      by.add(role);
      this.authors.set(path, by);
      if (role === "tester") this.testFiles.add(path);
    }
    return [...result.written, ...result.deleted];
  }

  async commit(role: RoleName, summary: string, round = 0): Promise<void> {
    const firstLine = summary.split("\n")[0]!.trim().slice(0, 72) || "update";
    const subject = round > 0 ? `${role} (round ${round}): ${firstLine}` : `${role}: ${firstLine}`;
    const title = sanitizeUntrustedText(this.task.title).replace(/\s+/g, " ").slice(0, 200);
    await this.workspace.commit(`${subject}\n\nWritten by the codegen-crew ${role} agent for: ${title}`);
  }

  async readFiles(paths: string[]): Promise<FileView[]> {
    return Promise.all(paths.map(async (path) => ({ path, content: await this.workspace.readFile(path) })));
  }

  async changedFileViews(): Promise<FileView[]> {
    const changed = await this.workspace.changedFiles();
    return Promise.all(changed.map(async (f) => ({ path: f.path, content: f.status === "deleted" ? null : await this.workspace.readFile(f.path) })));
  }

  async review(round: number, signal: AbortSignal): Promise<ReviewerAnswer> {
    const files = await this.changedFileViews();
    const input = `${renderPlan(this.plan!)}\n\n${renderFiles("The change to review (line numbers added for reference)", files, { lineNumbers: true })}\n\nReview the change.`;
    const answer = await this.ask("reviewer", "reviewer", round, input, signal);
    this.reviews.set(round, answer);
    return answer;
  }

  async staticChecks(round: number): Promise<CheckResult> {
    this.currentPhase = "static-checks";
    const files = (await this.workspace.changedFiles()).filter((f) => f.status !== "deleted").map((f) => f.path);
    const result = await this.timeline.track(
      { phase: "static-checks", name: round > 0 ? `static checks (round ${round})` : "static checks", round },
      () => checkSyntax(this.deps.runner, this.workspace.dir, files, { timeoutMs: this.config.command_timeout_seconds * 1000 }),
      (r) => ({ status: r.status === "fail" ? "failed" : r.status === "skipped" ? "skipped" : "ok", detail: r.failures.join("; ") }),
    );
    this.staticResults.set(round, result);
    return result;
  }

  blockingComments(round?: number): ReviewComment[] {
    const review = round === undefined ? this.latestReview : this.reviews.get(round);
    if (!review) return [];
    return review.comments.filter((c) => c.severity === "blocker" || c.severity === "major");
  }
}
