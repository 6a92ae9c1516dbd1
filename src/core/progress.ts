import type { Phase } from "./errors.js";
import type { RoleName } from "./roles/role-names.js";
import type { RunResult } from "./report/run-report.js";

/**
 * What a run tells its observers while it goes: the CLI's progress lines, the Action's status comment.
 * Observers must not throw; a slow observer must not slow the run (the crew does not await them).
 */
export type ProgressEvent =
  | { type: "phase-start"; phase: Phase; name: string; agent?: RoleName; round: number; at: number }
  | { type: "phase-end"; phase: Phase; name: string; agent?: RoleName; round: number; at: number; status: "ok" | "failed" | "skipped"; detail?: string }
  | { type: "usage"; totalTokens: number; costUsd: number; at: number }
  | { type: "round"; round: number; problems: string[]; at: number }
  | { type: "done"; result: RunResult; reason: string; at: number };

export type ProgressListener = (event: ProgressEvent) => void;
