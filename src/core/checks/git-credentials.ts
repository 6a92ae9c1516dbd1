import os from "node:os";
import path from "node:path";
import { WorkspaceError } from "../errors.js";
import { runGit } from "../git/run-git.js";
import { Git } from "../workspace/git.js";

/**
 * Credentials that a checkout leaves in the repository's own git config, where any command run in the
 * worktree (the repository's tests!) can read them: actions/checkout persists an
 * `http.<url>.extraheader` AUTHORIZATION header (directly, or in a file pulled in by include/includeIf),
 * and clones made with a token keep it in the remote URL. Global and system config are already out of
 * the sandbox's reach (GIT_CONFIG_GLOBAL=/dev/null, GIT_CONFIG_NOSYSTEM=1); this covers the local one.
 * Push with credentials given to that one command instead (`-c http.extraheader=…` or a URL).
 */

export interface GitCredentialFinding {
  /** The config file holding it. */
  file: string;
  /** The key, with any user:password in it masked; values are never reported. */
  key: string;
  kind: "extraheader" | "url-credentials" | "credential-helper" | "include";
}

interface ConfigEntry {
  file: string;
  key: string;
  value: string;
}

const MAX_INCLUDE_DEPTH = 3;
const EDIT_TIMEOUT_MS = 30_000;
const USERINFO = /^([a-z][a-z0-9+.-]*:\/\/)([^/@\s]+)@/i;

/** Whether a URL carries credentials: any user info over http(s), or user:password over any scheme. */
function urlHasCredentials(url: string): boolean {
  const match = USERINFO.exec(url.trim());
  if (!match) return false;
  return /^https?:\/\//i.test(match[1]!) || match[2]!.includes(":");
}

function stripUserinfo(url: string): string {
  return url.trim().replace(USERINFO, "$1");
}

function maskKey(key: string): string {
  return key.replace(/(:\/\/)[^/@\s]+@/g, "$1***@");
}

/** `git config -z --list` output: "key\nvalue\0" records, optionally preceded by scope\0origin\0. */
function parseList(output: string, withScopeAndOrigin: boolean, file?: string): (ConfigEntry & { scope: string })[] {
  const fields = output.split("\0");
  const entries: (ConfigEntry & { scope: string })[] = [];
  for (let i = 0; i < fields.length;) {
    const scope = withScopeAndOrigin ? (fields[i++] ?? "") : "local";
    const origin = withScopeAndOrigin ? (fields[i++] ?? "") : `file:${file}`;
    const record = fields[i++];
    if (record === undefined || record === "") continue;
    const newline = record.indexOf("\n");
    entries.push({
      scope,
      file: origin.replace(/^file:/, ""),
      key: newline === -1 ? record : record.slice(0, newline),
      value: newline === -1 ? "" : record.slice(newline + 1),
    });
  }
  return entries;
}

function classify(entry: ConfigEntry): GitCredentialFinding["kind"] | null {
  const key = entry.key.toLowerCase();
  const variable = key.slice(key.lastIndexOf(".") + 1);
  const section = key.slice(0, key.indexOf("."));
  if (section === "http" && variable === "extraheader") return "extraheader";
  if (section === "credential" && variable === "helper") return "credential-helper";
  if ((section === "remote" && (variable === "url" || variable === "pushurl")) || (section === "submodule" && variable === "url")) {
    return urlHasCredentials(entry.value) ? "url-credentials" : null;
  }
  if (section === "http" && variable === "proxy") return urlHasCredentials(entry.value) ? "url-credentials" : null;
  if (section === "url" && (variable === "insteadof" || variable === "pushinsteadof")) {
    return urlHasCredentials(entry.key.slice(4, entry.key.lastIndexOf("."))) ? "url-credentials" : null;
  }
  return null;
}

function isInclude(key: string): boolean {
  const lower = key.toLowerCase();
  return lower === "include.path" || (lower.startsWith("includeif.") && lower.endsWith(".path"));
}

async function localEntries(git: Git): Promise<ConfigEntry[]> {
  const out = await git.raw(["config", "--list", "--show-scope", "--show-origin", "-z"]);
  return parseList(out, true)
    .filter((entry) => entry.scope === "local" || entry.scope === "worktree")
    .map((entry) => ({ file: path.resolve(git.dir, entry.file), key: entry.key, value: entry.value }));
}

/** Whether an included config file (or one it includes) holds credentials. Unreadable files count as none. */
async function includeHoldsCredentials(git: Git, from: string, target: string, depth: number): Promise<boolean> {
  if (depth > MAX_INCLUDE_DEPTH) return false;
  const file = target.startsWith("~/") ? path.join(os.homedir(), target.slice(2)) : path.resolve(path.dirname(from), target);
  let out: string;
  try {
    out = await git.raw(["config", "--file", file, "--list", "-z"]);
  } catch {
    return false;
  }
  for (const entry of parseList(out, false, file)) {
    if (classify(entry)) return true;
    if (isInclude(entry.key) && (await includeHoldsCredentials(git, file, entry.value, depth + 1))) return true;
  }
  return false;
}

async function scan(git: Git): Promise<(GitCredentialFinding & { entry: ConfigEntry })[]> {
  const findings: (GitCredentialFinding & { entry: ConfigEntry })[] = [];
  for (const entry of await localEntries(git)) {
    const kind = isInclude(entry.key) ? ((await includeHoldsCredentials(git, entry.file, entry.value, 1)) ? "include" : null) : classify(entry);
    if (kind) findings.push({ file: entry.file, key: maskKey(entry.key), kind, entry });
  }
  return findings;
}

/**
 * Credentials in the worktree's effective local config (the repository's .git/config, config.worktree,
 * and files they include, whether or not the include's condition matches this worktree).
 */
export async function findGitCredentials(worktreeDir: string): Promise<GitCredentialFinding[]> {
  return (await scan(await Git.open(worktreeDir))).map(({ entry: _entry, ...finding }) => finding);
}

/**
 * Removes what findGitCredentials finds: extraheaders and credential helpers are unset, user info is cut
 * from URLs, url.<with credentials>.insteadOf sections are removed, and includes of files holding
 * credentials are unset (the included file itself is left alone). Returns what was removed.
 */
export async function stripGitCredentials(worktreeDir: string): Promise<GitCredentialFinding[]> {
  const findings = await scan(await Git.open(worktreeDir));
  const removedSections = new Set<string>();
  for (const { entry, kind } of findings) {
    const section = entry.key.slice(0, entry.key.lastIndexOf("."));
    if (kind === "url-credentials" && entry.key.toLowerCase().startsWith("url.")) {
      if (removedSections.has(`${entry.file}\0${section}`)) continue;
      removedSections.add(`${entry.file}\0${section}`);
      await editConfig(entry.file, entry.key, ["--remove-section", section]);
    } else if (kind === "url-credentials") {
      await editConfig(entry.file, entry.key, ["--fixed-value", "--replace-all", entry.key, stripUserinfo(entry.value), entry.value]);
    } else {
      // Exit code 5: already gone (a key listed twice with the same value goes with the first call).
      await editConfig(entry.file, entry.key, ["--fixed-value", "--unset-all", entry.key, entry.value], [5]);
    }
  }
  return findings.map(({ entry: _entry, ...finding }) => finding);
}

/** Trusted host work on one config file, through the bot's own git (runGit): never through the sandbox. */
async function editConfig(file: string, key: string, args: string[], alsoFine: number[] = []): Promise<void> {
  const result = await runGit(["config", "--file", file, ...args], { cwd: path.dirname(file), timeoutMs: EDIT_TIMEOUT_MS });
  if (result.exitCode === 0 || (result.exitCode !== null && alsoFine.includes(result.exitCode))) return;
  // The output can echo the value (a token): it is not included.
  throw new WorkspaceError(`could not remove the credential in ${maskKey(key)} from ${file}: git config exited with ${result.exitCode ?? result.failure}`, {
    path: file,
  });
}

/** Throws a WorkspaceError naming the keys (never the values) when credentials remain. */
export async function assertNoCredentialsInGitConfig(worktreeDir: string): Promise<void> {
  const findings = await findGitCredentials(worktreeDir);
  if (findings.length === 0) return;
  const listed = findings.map((finding) => `${finding.key} (${finding.kind}, ${finding.file})`).join("; ");
  throw new WorkspaceError(`the git config of ${worktreeDir} still holds credentials that commands run there could read: ${listed}`, {
    path: worktreeDir,
  });
}
