import { readFile } from "node:fs/promises";
import path from "node:path";
import { pathExists } from "./path-exists.js";

/**
 * `npm test` costs npm's own start-up before the script runs: about 0.3–0.5 s of CPU per call on the machines
 * we measured (docs/benchmarks.md), paid by the baseline and again by every round's checks. For the plain
 * case — `npm test` or `npm run <name>` without arguments, a script with no pre/post hooks, no `.npmrc`
 * that could change how npm runs it — the script's own line runs directly, the way npm would run it: through
 * the shell, with the package's node_modules/.bin first on PATH and npm's lifecycle variables set. Anything
 * else runs through npm as written.
 */

export interface PackageScriptRun {
  /** The script's own command line. */
  command: string;
  env: Record<string, string>;
  prependPath: string[];
}

const NPM_SCRIPT = /^npm\s+(?:(test|t|tst)|(?:run|run-script)\s+([A-Za-z0-9:._-]+))$/;

export async function directPackageScript(dir: string, commandLine: string): Promise<PackageScriptRun | null> {
  const match = NPM_SCRIPT.exec(commandLine.trim());
  if (!match) return null;
  const name = match[1] ? "test" : match[2]!;
  // An .npmrc can set script-shell, node-options or ignore-scripts: only npm knows what they mean.
  if (await pathExists(path.join(dir, ".npmrc"))) return null;
  const manifestPath = path.join(dir, "package.json");
  let manifest: { name?: unknown; version?: unknown; scripts?: Record<string, unknown> };
  try {
    manifest = JSON.parse(await readFile(manifestPath, "utf8")) as typeof manifest;
  } catch {
    return null;
  }
  const scripts = manifest.scripts ?? {};
  const script = scripts[name];
  if (typeof script !== "string" || script.trim() === "") return null;
  if (scripts[`pre${name}`] !== undefined || scripts[`post${name}`] !== undefined) return null;
  const env: Record<string, string> = {
    npm_lifecycle_event: name,
    npm_lifecycle_script: script,
    npm_command: match[1] ? "test" : "run-script",
    npm_package_json: manifestPath,
    INIT_CWD: dir,
  };
  if (typeof manifest.name === "string") env.npm_package_name = manifest.name;
  if (typeof manifest.version === "string") env.npm_package_version = manifest.version;
  return { command: script, env, prependPath: [path.join(dir, "node_modules", ".bin")] };
}

/** What to hand the runner for a detected command line: the script directly when that is the same thing. */
export async function commandToRun(dir: string, commandLine: string): Promise<{ command: string; env?: Record<string, string>; prependPath?: string[] }> {
  return (await directPackageScript(dir, commandLine)) ?? { command: commandLine };
}
