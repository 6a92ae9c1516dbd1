import { readFile, realpath } from "node:fs/promises";
import path from "node:path";
import type { CheckResult } from "../report/run-report.js";
import type { CommandRunner } from "./command-runner.js";
import { maskSecrets } from "./process-runner.js";
import { pathExists } from "./path-exists.js";

/**
 * Installs the repository's dependencies once per run, before the checks need them, and only when the
 * repository says exactly what to install: a lock file (npm ci) or a configured command. Lifecycle
 * scripts are not run (--ignore-scripts): installing must not execute the packages' own code.
 */

export interface InstallOptions {
  /** A configured install command (e.g. "pip install -r requirements.txt"); wins over detection. */
  command?: string;
  /** Also `python3 -m pip install -r requirements.txt` when that file exists (only when configured). */
  pythonRequirements?: boolean;
  timeoutMs: number;
  secrets?: string[];
  signal?: AbortSignal;
}

const NPM_CI = "npm ci --ignore-scripts --no-audit --no-fund";
const PIP_INSTALL = "python3 -m pip install --no-input --disable-pip-version-check -r requirements.txt";
const NPM_LOCKS = ["package-lock.json", "npm-shrinkwrap.json"];
const OTHER_LOCKS: Record<string, string> = { "yarn.lock": "yarn", "pnpm-lock.yaml": "pnpm", "bun.lockb": "bun", "bun.lock": "bun" };

/**
 * Returns the "install" check, or null when there is nothing to install. Idempotent: a second call for
 * the same directory returns the first call's result, and an existing node_modules is never replaced.
 */
export async function installDependencies(runner: CommandRunner, dir: string, opts: InstallOptions): Promise<CheckResult | null> {
  // One install per directory for the runner's life (bounded; a cancelled or crashed attempt is retried).
  const key = await realpath(dir).catch(() => dir);
  return runner.memo.get("install", key, () => install(runner, key, opts));
}

async function install(runner: CommandRunner, dir: string, opts: InstallOptions): Promise<CheckResult | null> {
  const commands: string[] = [];
  const skippedBecause: string[] = [];
  if (opts.command) commands.push(opts.command);
  else {
    const npm = await npmPlan(dir);
    if ("command" in npm) commands.push(npm.command);
    else if (npm.skip) skippedBecause.push(npm.skip);
    if (opts.pythonRequirements && (await pathExists(path.join(dir, "requirements.txt")))) commands.push(PIP_INSTALL);
  }
  if (commands.length === 0) {
    return skippedBecause.length ? result("skipped", null, 0, "", skippedBecause.join("\n"), [], opts) : null;
  }

  const outputs: string[] = [];
  let duration = 0;
  for (const command of commands) {
    const run = await runner.run({
      command,
      cwd: dir,
      timeoutMs: opts.timeoutMs,
      // Installing needs the registry; it is the one command that runs with the network.
      network: "allowed",
      ...(opts.secrets ? { secrets: opts.secrets } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    duration += run.durationMs;
    outputs.push(`$ ${maskSecrets(command, opts.secrets ?? [])}`, run.output.trimEnd());
    if (run.timedOut || run.exitCode !== 0) {
      const status = run.timedOut ? "timeout" : "fail";
      const why = run.timedOut ? `did not finish within ${opts.timeoutMs / 1000} s` : `exited with code ${run.exitCode ?? "none"}`;
      return {
        ...result(
          status,
          run.exitCode,
          duration,
          commands.join(" && "),
          outputs.join("\n"),
          [`install: \`${maskSecrets(command, opts.secrets ?? [])}\` ${why}`],
          opts,
          run.network,
        ),
        sandbox: run.sandbox,
      };
    }
  }
  return { ...result("pass", 0, duration, commands.join(" && "), outputs.join("\n"), [], opts, "network: allowed (dependency install)"), sandbox: runner.record };
}

type NpmPlan = { command: string } | { skip: string | null };

/** npm ci when package.json declares dependencies, a lock file pins them, and node_modules is absent. */
async function npmPlan(dir: string): Promise<NpmPlan> {
  let manifest: { dependencies?: object; devDependencies?: object };
  try {
    manifest = JSON.parse(await readFile(path.join(dir, "package.json"), "utf8")) as typeof manifest;
  } catch {
    return { skip: null };
  }
  const declared = Object.keys(manifest.dependencies ?? {}).length + Object.keys(manifest.devDependencies ?? {}).length;
  if (declared === 0) return { skip: null };
  if (await pathExists(path.join(dir, "node_modules"))) return { skip: "node_modules already exists; dependencies were not reinstalled." };
  for (const lock of NPM_LOCKS) if (await pathExists(path.join(dir, lock))) return { command: NPM_CI };
  for (const [lock, manager] of Object.entries(OTHER_LOCKS)) {
    if (await pathExists(path.join(dir, lock))) return { skip: `${lock} found: ${manager} installs are not run automatically; configure an install command.` };
  }
  return { skip: "package.json declares dependencies but there is no lock file, so nothing reproducible can be installed; configure an install command." };
}

function result(
  status: CheckResult["status"],
  exitCode: number | null,
  durationMs: number,
  command: string,
  output: string,
  notes: string[],
  opts: InstallOptions,
  network?: string,
): CheckResult {
  return {
    name: "install",
    // The report schema has no "install" kind yet; "lint" keeps it out of the test verdict.
    kind: "install",
    ...(command ? { command: maskSecrets(command, opts.secrets ?? []) } : {}),
    status,
    exitCode,
    durationMs,
    output,
    failures: [],
    preExistingFailures: [],
    notes: network ? [network, ...notes] : notes,
  };
}
