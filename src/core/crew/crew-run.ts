import pLimit from "p-limit";
import { callAgent } from "../agent/call-agent.js";
import type { CommandRunner } from "../checks/command-runner.js";
import type { CrewConfig } from "../config.js";
import type { Phase } from "../errors.js";
import { sanitizeUntrustedText } from "../intake.js";
import type { ModelClient } from "../model/model-client.js";
import type { RunBudget } from "../model/run-budget.js";
import type { UsageLedger } from "../model/usage-ledger.js";
import type { ProgressListener } from "../progress.js";
import type { RoundRecord } from "../report/run-report.js";
import type { RoleName } from "../roles/role-names.js";
import type { RoleSpec } from "../roles/role-spec.js";
import type { Task } from "../task.js";
import type { RunWorkspace } from "../workspace/run-workspace.js";
import { Authorship } from "./authorship.js";
import { agentSettings } from "./crew-settings.js";
import type { PhaseTimeline } from "./phase-timeline.js";
import type { FileView } from "./prompt-text.js";

export interface CrewDeps {
  /** Metered (budget, usage) and optionally recorded model client: see `createModelStack`. */
  model: ModelClient;
  budget: RunBudget;
  ledger: UsageLedger;
  workspace: RunWorkspace;
  /** Where every check command runs: the process's sandbox (or a job's lease of it). */
  runner: CommandRunner;
  onProgress?: ProgressListener;
  signal?: AbortSignal;
}

export interface CrewOptions {
  config: CrewConfig;
  /** The model chosen by the entry point (CLI flag, action input, env); per-role config still wins. */
  model?: string;
  /** Run one phase at a time (debugging); the default runs independent phases concurrently. */
  sequential?: boolean;
  /** Values that must never reach a sandboxed process or its output (tokens, keys). */
  secrets?: string[];
  now?: () => number;
}

export interface AskOptions {
  phase: Phase;
  round: number;
  /** The shared system message (preamble, repository context, task): the "context" phase's output. */
  context: string;
  /** Shared material (plan, change) sent before the role's instructions: see `AgentCall.material`. */
  material?: string;
  input: string;
  signal: AbortSignal;
  /** Offer the read-only exploration tools. */
  explore?: boolean;
}

/**
 * The services every phase of one run shares — the model, the workspace, the clock, the timeline — and
 * the run's journals, which only grow: authorship, repair rounds and notes for the report. Data that one
 * phase hands to another does not live here: it is a phase output (see phase-graph.ts).
 */
export class CrewRun {
  readonly config: CrewConfig;
  readonly workspace: RunWorkspace;
  readonly now: () => number;
  readonly rounds: RoundRecord[] = [];
  /** Why the run ended the way it did, beyond the checks: early stops, rolled-back edits. */
  readonly notes: string[] = [];
  /** Stops background work (the baseline) when the run ends before it does. */
  readonly stopBackground = new AbortController();
  /** Agents that run in parallel (tester and documenter) write one at a time, since a commit takes every pending
   *  file; the static check reads between their writes. */
  private readonly writes = pLimit(1);
  /** When each file was first written in this run, to show files in the order the change grew. */
  private readonly firstWritten = new Map<string, number>();

  constructor(
    readonly deps: CrewDeps,
    readonly task: Task,
    readonly options: CrewOptions,
    readonly timeline: PhaseTimeline,
    readonly authorship: Authorship,
  ) {
    this.config = options.config;
    this.workspace = deps.workspace;
    this.now = options.now ?? Date.now;
  }

  get secrets(): string[] {
    return this.options.secrets ?? [];
  }

  get commandTimeoutMs(): number {
    return this.config.command_timeout_seconds * 1000;
  }

  /** One agent call, timed as a phase. */
  async ask<T>(spec: RoleSpec<T>, options: AskOptions): Promise<T> {
    const settings = agentSettings(this.config, spec.name, this.options.model);
    const name = options.round > 0 ? `${spec.name} (round ${options.round})` : spec.name;
    const result = await this.timeline.track({ phase: options.phase, name, agent: spec.name, round: options.round }, () =>
      callAgent(this.deps.model, spec, settings, {
        phase: options.phase,
        round: options.round,
        sharedContext: options.context,
        ...(options.material ? { material: options.material } : {}),
        input: options.input,
        ...(options.explore ? { repoDir: this.workspace.dir } : {}),
        signal: options.signal,
      }),
    );
    return result.answer;
  }

  /** Writes an agent's answer through the change policy and the authorship rules. */
  async apply(role: RoleName, answer: Parameters<Authorship["apply"]>[2]): Promise<string[]> {
    const touched = await this.authorship.apply(this.workspace, role, answer);
    for (const path of touched) if (!this.firstWritten.has(path)) this.firstWritten.set(path, this.firstWritten.size);
    return touched;
  }

  /** Writes an agent's answer and commits it as one step, so that parallel writers never share a commit. */
  writeAndCommit(role: RoleName, answer: Parameters<Authorship["apply"]>[2] & { summary: string }): Promise<string[]> {
    return this.betweenWrites(async () => {
      const files = await this.apply(role, answer);
      await this.commit(role, answer.summary);
      return files;
    });
  }

  /** Runs `read` while no agent writes: a file being rewritten is truncated first, and must not be read half-written. */
  betweenWrites<T>(read: () => Promise<T>): Promise<T> {
    return this.writes(read);
  }

  async commit(role: RoleName, summary: string, round = 0): Promise<string | null> {
    const firstLine = summary.split("\n")[0]!.trim().slice(0, 72) || "update";
    const subject = round > 0 ? `${role} (round ${round}): ${firstLine}` : `${role}: ${firstLine}`;
    const title = sanitizeUntrustedText(this.task.title).replace(/\s+/g, " ").slice(0, 200);
    return this.workspace.commit(`${subject}\n\nWritten by the codegen-crew ${role} agent for: ${title}`);
  }

  async readFiles(paths: string[]): Promise<FileView[]> {
    return Promise.all(paths.map(async (path) => ({ path, content: await this.workspace.readFile(path) })));
  }

  /**
   * The change's files in the order the change grew (files already on the branch first): what a later agent
   * sees starts with what an earlier one saw, so their prompts share a longer prefix a provider can cache.
   */
  async changedFileViews(): Promise<FileView[]> {
    const order = (path: string) => this.firstWritten.get(path) ?? -1;
    const changed = (await this.workspace.changedFiles()).sort((a, b) => order(a.path) - order(b.path));
    return Promise.all(changed.map(async (f) => ({ path: f.path, content: f.status === "deleted" ? null : await this.workspace.readFile(f.path) })));
  }

  note(text: string): void {
    this.notes.push(text);
  }
}
