import type { CheckResult } from "./run-report.js";

/**
 * One sentence on where the checks' commands ran, for the report, the PR's validation table and the status
 * comment. The weak tier is said in plain words: a reader must not take its checks for isolated ones.
 */

const TIER_ORDER = ["weak", "namespaced", "strong"] as const;

/** The weakest tier any check ran in (null when no check ran a command). */
export function weakestSandbox(checks: CheckResult[]): NonNullable<CheckResult["sandbox"]> | null {
  const recorded = checks.map((c) => c.sandbox).filter((s): s is NonNullable<CheckResult["sandbox"]> => s !== undefined);
  if (recorded.length === 0) return null;
  return recorded.reduce((a, b) => (TIER_ORDER.indexOf(b.tier) < TIER_ORDER.indexOf(a.tier) ? b : a));
}

export function sandboxSentence(checks: CheckResult[]): string | null {
  const sandbox = weakestSandbox(checks);
  if (!sandbox) return null;
  if (sandbox.tier === "weak") {
    return "⚠️ Sandbox: **weak** — the checks ran model-written code as the bot's own user: file reads and other processes were NOT isolated (see docs/security.md).";
  }
  const what = sandbox.tier === "strong" ? "bubblewrap as root, a throwaway uid" : "unprivileged bubblewrap";
  return `Sandbox: **${sandbox.tier}** (${what}); the startup self-test proved: ${sandbox.proven.join("; ")}.`;
}
