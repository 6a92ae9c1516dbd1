import type { SandboxTier } from "./command-runner.js";
import { ConfigError } from "../errors.js";
import { describeTier } from "./command-runner.js";
import { createSandbox, type Sandbox, type SandboxOptions } from "./sandbox.js";

/**
 * The entry points' one call: build the process's sandbox (the probe and each tier's self-test run here),
 * log what it proved, and apply the entry point's rule for the weak tier: warn (CLI, Action) or refuse
 * unless the operator opted in (the app, which runs strangers' issues unattended).
 */

export interface SandboxStartupOptions extends SandboxOptions {
  log: { info(message: string): void; warn(message: string): void };
  /** "refuse": throw a ConfigError at the weak tier unless `allowWeak`; "warn": run, with a warning. */
  weakTier: "refuse" | "warn";
  allowWeak?: boolean;
  /** How the operator opts in, named in the refusal (e.g. "CODEGEN_ALLOW_WEAK_SANDBOX=true"). */
  optIn?: string;
}

export const WEAK_TIER_WARNING =
  "checks run in the WEAK sandbox tier: model-written code runs as the bot's own user, so file reads (the bot's HOME, other jobs' folders, /proc/<pid>/environ) and other processes are NOT isolated";

export async function startSandbox(options: SandboxStartupOptions): Promise<Sandbox> {
  const { log, weakTier, allowWeak, optIn, ...sandboxOptions } = options;
  const sandbox = await createSandbox(sandboxOptions);
  for (const line of sandboxSummary(sandbox)) log.info(line);
  if (sandbox.tier === "weak") {
    const why = sandbox.declined.length ? ` (${sandbox.declined.join("; ")})` : "";
    if (weakTier === "refuse" && !allowWeak) {
      throw new ConfigError(
        `refusing to run checks: ${WEAK_TIER_WARNING}${why}. Install bubblewrap and run as root (strong) or allow unprivileged user namespaces (namespaced); or set ${optIn ?? "the opt-in"} to accept the weak tier`,
        { key: optIn ?? "sandbox" },
      );
    }
    log.warn(`${WEAK_TIER_WARNING}${why}; see docs/security.md`);
  }
  return sandbox;
}

/** The self-test's outcome as log lines. */
export function sandboxSummary(sandbox: Sandbox): string[] {
  return [
    `sandbox self-test: tier ${describeTier(sandbox.record)}`,
    `sandbox proved: ${sandbox.record.proven.join("; ") || "nothing"}`,
    ...(sandbox.record.gaps.length ? [`sandbox does not cover: ${sandbox.record.gaps.join("; ")}`] : []),
    ...(sandbox.declined.length ? [`sandbox tiers not used: ${sandbox.declined.join("; ")}`] : []),
  ];
}

const TIERS: readonly SandboxTier[] = ["strong", "namespaced", "weak"];

/** CODEGEN_SANDBOX_MAX_TIER: the strongest tier to try (for a process already isolated by its container, say). */
export function sandboxTierSetting(value: string | undefined): SandboxTier | undefined {
  if (value === undefined || value === "") return undefined;
  if ((TIERS as readonly string[]).includes(value)) return value as SandboxTier;
  throw new ConfigError(`CODEGEN_SANDBOX_MAX_TIER must be one of ${TIERS.join(", ")} (got "${value}")`, { key: "CODEGEN_SANDBOX_MAX_TIER" });
}
