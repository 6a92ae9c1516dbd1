import type { Logger } from "probot";
import { DEFAULT_CONFIG_PATH, defaultConfig, parseConfig } from "../core/config.js";
import { describeError } from "../core/errors.js";
import type { InstallationForge } from "../core/forge/installation-forge.js";

/**
 * The repository's trigger label, read like Probot's config loader: `.github/codegen-crew.yml` in the
 * repository, else the organisation's `.github` repository (and `_extends`), else the default. A config
 * that does not validate still yields its `label` when it has one: the run itself then reports the bad
 * key on the issue, which is more useful than silently ignoring the label.
 */
export async function triggerLabel(forge: Pick<InstallationForge, "readConfig">, owner: string, repo: string, log: Logger): Promise<string> {
  let raw: Record<string, unknown>;
  try {
    raw = await forge.readConfig(owner, repo, DEFAULT_CONFIG_PATH);
  } catch (error) {
    log.warn({ repo: `${owner}/${repo}` }, `cannot read ${DEFAULT_CONFIG_PATH} (${describeError(error)}); using the default trigger label`);
    return defaultConfig().label;
  }
  try {
    return parseConfig(raw, DEFAULT_CONFIG_PATH).label;
  } catch {
    return typeof raw.label === "string" && raw.label.trim() !== "" ? raw.label : defaultConfig().label;
  }
}

/** GitHub label names compare case-insensitively. */
export function sameLabel(a: string | undefined, b: string): boolean {
  return a !== undefined && a.toLowerCase() === b.toLowerCase();
}
