import type { Phase } from "../errors.js";
import type { ProgressListener } from "../progress.js";
import type { PhaseRecord } from "../report/run-report.js";
import type { RoleName } from "../roles/role-names.js";

/** Records when each phase ran (for the report's gantt chart) and tells progress listeners as it goes. */
export class PhaseTimeline {
  private readonly records: PhaseRecord[] = [];

  constructor(
    private readonly onProgress: ProgressListener | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  async track<T>(
    info: { phase: Phase; name: string; agent?: RoleName; round: number },
    work: () => Promise<T>,
    describe?: (result: T) => { status?: "ok" | "failed" | "skipped"; detail?: string },
  ): Promise<T> {
    const startedAt = this.now();
    this.emit({ type: "phase-start", ...info, at: startedAt });
    try {
      const result = await work();
      const outcome = describe?.(result) ?? {};
      this.finish(info, startedAt, outcome.status ?? "ok", outcome.detail);
      return result;
    } catch (error) {
      this.finish(info, startedAt, "failed", error instanceof Error ? error.message : String(error));
      throw error;
    }
  }

  skipped(info: { phase: Phase; name: string; agent?: RoleName; round: number }, detail: string): void {
    const at = this.now();
    this.emit({ type: "phase-start", ...info, at });
    this.finish(info, at, "skipped", detail);
  }

  all(): PhaseRecord[] {
    return [...this.records].sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  }

  private finish(info: { phase: Phase; name: string; agent?: RoleName; round: number }, startedAt: number, status: "ok" | "failed" | "skipped", detail: string | undefined): void {
    const endedAt = this.now();
    this.records.push({
      name: info.name,
      phase: info.phase,
      ...(info.agent ? { agent: info.agent } : {}),
      round: info.round,
      startedAt: new Date(startedAt).toISOString(),
      endedAt: new Date(endedAt).toISOString(),
      durationMs: endedAt - startedAt,
      status,
      ...(detail ? { detail: detail.slice(0, 500) } : {}),
    });
    this.emit({ type: "phase-end", ...info, at: endedAt, status, ...(detail ? { detail } : {}) });
  }

  private emit(event: Parameters<ProgressListener>[0]): void {
    try {
      this.onProgress?.(event);
    } catch {
      // A broken progress display must not break the run.
    }
  }
}
