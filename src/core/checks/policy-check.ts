import type { CheckResult } from "../report/run-report.js";
import type { RoleName } from "../roles/role-names.js";

/**
 * The change policy as a reported stage. A refusal does not fail the stage by itself: the refused file
 * was never written, the rest of the change went ahead, and if the refused part was needed the tests
 * and the review say so. The stage makes the refusals visible next to the other checks.
 */

export interface RefusedChange {
  path: string;
  reason: string;
  agent: RoleName;
}

export function policyCheck(refused: RefusedChange[]): CheckResult {
  const notes = refused.map((entry) => `${entry.agent}: ${entry.reason}`);
  return {
    name: "policy",
    kind: "policy",
    status: "pass",
    exitCode: null,
    durationMs: 0,
    output: refused.length
      ? [`${refused.length} path(s) refused and not written; the rest of the change was applied:`, ...notes.map((note) => `  ${note}`)].join("\n")
      : "Every path in the change was allowed by the change policy.",
    failures: [],
    preExistingFailures: [],
    notes,
  };
}
