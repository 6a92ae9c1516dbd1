import type { ForgeClient } from "../forge/forge-client.js";
import type { ProgressEvent } from "../progress.js";
import type { RunResult } from "../report/run-report.js";
import type { RunMode } from "../work/work-item.js";

export const STATUS_MARKER = "<!-- codegen-crew:status -->";
const STATE_PATTERN = /<!-- codegen-crew:state=(running|ready|draft|failed|skipped) started=(\d+) -->/;
const MIN_EDIT_INTERVAL_MS = 2_000;

export interface StatusState {
  state: "running" | RunResult;
  startedAt: number;
}

/** Reads the run state hidden in a status comment (used to detect a concurrent run on the same issue). */
export function readStatusState(body: string): StatusState | null {
  const match = STATE_PATTERN.exec(body);
  return match ? { state: match[1] as StatusState["state"], startedAt: Number(match[2]) } : null;
}

interface Line {
  name: string;
  status: "running" | "ok" | "failed" | "skipped";
  detail?: string;
}

/**
 * The issue's single status comment: a checklist of phases edited as the run goes (the user's progress
 * bar). Found again by its hidden marker on the next run, so re-runs edit it instead of adding comments.
 * Edits are coalesced: at most one in flight, no more than one every two seconds, the latest state wins,
 * and an edit that would change nothing is not sent. Progress edits stop when publishing starts (`hold`),
 * so none is ever queued in front of the push, the PR or the stats comment; the final edit always goes.
 */
export class StatusComment {
  private lines: Line[] = [];
  private round = 0;
  private tokens = 0;
  private costUsd = 0;
  private footer = "";
  private state: StatusState["state"] = "running";
  private mode: RunMode | undefined;
  private pending: Promise<void> = Promise.resolve();
  private dirty = false;
  private lastEdit = 0;
  private timer: NodeJS.Timeout | undefined;
  private held = false;
  /** The body GitHub has (or is being sent), so an unchanged render is not sent again. */
  private written: string;

  private constructor(
    private readonly forge: ForgeClient,
    private readonly commentId: number,
    private readonly startedAt: number,
    private readonly runUrl: string | undefined,
    private readonly trigger: string | undefined,
    private readonly minEditIntervalMs: number,
    firstBody: string,
  ) {
    this.written = firstBody;
  }

  /**
   * Edits the issue's existing status comment, or creates one. `minEditIntervalMs` (default 2 s) spaces
   * progress edits; it never delays the final one.
   */
  static async open(
    forge: ForgeClient,
    issue: number,
    options: { runUrl?: string; existingId?: number; now?: number; trigger?: string; minEditIntervalMs?: number },
  ): Promise<StatusComment> {
    const startedAt = options.now ?? Date.now();
    const body = render([], { state: "running", startedAt, runUrl: options.runUrl, trigger: options.trigger, mode: undefined, round: 0, tokens: 0, costUsd: 0, footer: "" });
    let id = options.existingId;
    if (id !== undefined) await forge.updateComment(id, body);
    else id = await forge.createComment(issue, body);
    return new StatusComment(forge, id, startedAt, options.runUrl, options.trigger, options.minEditIntervalMs ?? MIN_EDIT_INTERVAL_MS, body);
  }

  get id(): number {
    return this.commentId;
  }

  onProgress = (event: ProgressEvent): void => {
    switch (event.type) {
      case "phase-start":
        this.lines = this.lines.filter((l) => l.name !== event.name);
        this.lines.push({ name: event.name, status: "running" });
        break;
      case "phase-end": {
        const line = this.lines.find((l) => l.name === event.name);
        const next: Line = { name: event.name, status: event.status, ...(event.detail && event.status !== "ok" ? { detail: event.detail } : {}) };
        if (line) Object.assign(line, next);
        else this.lines.push(next);
        break;
      }
      case "round":
        this.round = event.round;
        break;
      case "usage":
        this.tokens = event.totalTokens;
        this.costUsd = event.costUsd;
        break;
      case "done":
        return;
    }
    this.schedule();
  };

  /**
   * Publishing starts: no more progress edits (one already in flight completes; none is queued behind it).
   * Progress still updates the state the final edit renders.
   */
  hold(): void {
    this.held = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /**
   * The final edit: result, what happened, links. Always written, whatever the spacing says. Calling it
   * again (a later failure overriding an outcome) writes the newer state; the same state is not re-sent.
   */
  async finish(state: RunResult, footer: string, mode?: RunMode): Promise<void> {
    this.hold();
    this.state = state;
    this.mode = mode;
    this.footer = footer;
    for (const line of this.lines) if (line.status === "running") line.status = "skipped";
    this.dirty = true;
    // Finishes chain behind each other (and behind an edit in flight), so the last one called lands last.
    const final = this.pending.catch(() => undefined).then(() => this.edit());
    this.pending = final.catch(() => undefined);
    await final;
  }

  private schedule(): void {
    this.dirty = true;
    if (this.timer || this.held) return;
    const wait = Math.max(0, this.lastEdit + this.minEditIntervalMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.held) return;
      // Progress edits are best effort: a failed edit must not fail the run.
      this.pending = this.pending.then(() => this.edit()).catch(() => undefined);
    }, wait);
    this.timer.unref();
  }

  private async edit(): Promise<void> {
    if (!this.dirty) return;
    this.dirty = false;
    const body = render(this.lines, {
      state: this.state,
      startedAt: this.startedAt,
      runUrl: this.runUrl,
      trigger: this.trigger,
      mode: this.mode,
      round: this.round,
      tokens: this.tokens,
      costUsd: this.costUsd,
      footer: this.footer,
    });
    if (body === this.written) return;
    this.lastEdit = Date.now();
    const before = this.written;
    this.written = body;
    try {
      await this.forge.updateComment(this.commentId, body);
    } catch (error) {
      // Not written after all: the next edit (the final one at the latest) sends it again.
      if (this.written === body) this.written = before;
      this.dirty = true;
      throw error;
    }
  }
}

const ICON: Record<Line["status"], string> = { running: "⏳", ok: "✅", failed: "❌", skipped: "⏭️" };
const HEADLINE: Record<StatusState["state"], string> = {
  running: "⏳ codegen-crew is working on this issue",
  ready: "✅ codegen-crew opened a pull request",
  draft: "📝 codegen-crew opened a draft pull request",
  failed: "❌ codegen-crew could not complete this issue",
  skipped: "⏭️ codegen-crew skipped this run",
};

const REVISION_HEADLINE: Partial<Record<StatusState["state"], string>> = {
  ready: "✅ codegen-crew revised the pull request",
  draft: "📝 codegen-crew revised the draft pull request",
};

function render(
  lines: Line[],
  info: {
    state: StatusState["state"];
    startedAt: number;
    runUrl: string | undefined;
    trigger: string | undefined;
    mode: RunMode | undefined;
    round: number;
    tokens: number;
    costUsd: number;
    footer: string;
  },
): string {
  const checklist = lines.map((l) => `- ${ICON[l.status]} ${l.name}${l.detail ? ` — ${oneLine(l.detail)}` : ""}`).join("\n");
  const facts = [
    info.round > 0 ? `repair round ${info.round}` : "",
    `${info.tokens.toLocaleString("en-US")} tokens ($${info.costUsd.toFixed(4)})`,
    info.runUrl ? `[workflow run](${info.runUrl})` : "",
  ]
    .filter(Boolean)
    .join(" · ");
  return [
    STATUS_MARKER,
    `<!-- codegen-crew:state=${info.state} started=${info.startedAt} -->`,
    `### ${info.mode === "revision" && REVISION_HEADLINE[info.state] ? REVISION_HEADLINE[info.state] : HEADLINE[info.state]}`,
    "",
    ...(info.trigger ? [`Started by ${info.trigger}.`, ""] : []),
    checklist || "- ⏳ starting",
    "",
    facts,
    info.footer ? `\n${info.footer}` : "",
  ].join("\n");
}

function oneLine(text: string): string {
  return text.split("\n")[0]!.replace(/[<>]/g, "").slice(0, 200);
}
