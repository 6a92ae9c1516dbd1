import { lstat, realpath } from "node:fs/promises";
import path from "node:path";
import picomatch from "picomatch";

/**
 * Decides which files an agent may write or delete. Paths come from model output, so they are treated as
 * hostile: every rule here fails closed, and each refusal carries a sentence the report and the debugger
 * can show as is.
 */

export interface FileChange {
  files: { path: string; content: string }[];
  deletions?: string[];
}

export interface RefusedPath {
  path: string;
  reason: string;
}

export interface ChangePolicyOptions {
  allow?: string[];
  deny?: string[];
  maxFiles?: number;
  maxFileBytes?: number;
  maxTotalBytes?: number;
}

export interface PolicyDecision {
  accepted: FileChange;
  refused: RefusedPath[];
}

type Matcher = (candidate: string) => boolean;

/** Never writable, whatever the config says: the repository's internals, CI definitions and secret files. */
export const BUILT_IN_DENY = [
  ".git/**",
  ".github/workflows/**",
  ".env",
  ".env.*",
  "**/.env*",
  "*.pem",
  "*.key",
  "id_rsa*",
  "*.p12",
  ".npmrc",
  ".pypirc",
  ".git-credentials",
] as const;

/** Files whose content must never reach a model, even to read: credentials and key material. */
const SECRET_FILES = BUILT_IN_DENY.filter((pattern) => !pattern.startsWith(".git/") && !pattern.startsWith(".github/"));
const isSecretFile = picomatch(expandPatterns([...SECRET_FILES]), { dot: true, nocase: true });

/** Whether a (normalised, relative) path is git's internals or a secret file, which agents may not read. */
export function isUnreadablePath(relative: string): boolean {
  return relative.split("/").some(isGitDirectoryName) || isSecretFile(relative);
}

const MIB = 1024 * 1024;

export class ChangePolicy {
  readonly maxFiles: number;
  readonly maxFileBytes: number;
  readonly maxTotalBytes: number;
  private readonly builtInDeny: Matcher;
  private readonly userDeny: Matcher | null;
  private readonly allow: Matcher | null;
  private readonly allowPatterns: string[];

  constructor(options: ChangePolicyOptions = {}) {
    this.maxFiles = options.maxFiles ?? 50;
    this.maxFileBytes = options.maxFileBytes ?? MIB;
    this.maxTotalBytes = options.maxTotalBytes ?? 5 * MIB;
    // Deny matching ignores case (".ENV" is as secret as ".env").
    const denyOptions = { dot: true, nocase: true };
    this.builtInDeny = picomatch(expandPatterns([...BUILT_IN_DENY]), denyOptions);
    this.userDeny = options.deny?.length ? picomatch(expandPatterns(options.deny), denyOptions) : null;
    this.allowPatterns = options.allow ?? [];
    this.allow = this.allowPatterns.length ? picomatch(expandPatterns(this.allowPatterns), { dot: true }) : null;
  }

  /** Splits a change into what may be applied under `rootDir` and what is refused (with reasons). */
  async check(rootDir: string, change: FileChange): Promise<PolicyDecision> {
    const root = await realpath(rootDir);
    const refused: RefusedPath[] = [];
    const accepted: FileChange = { files: [], deletions: [] };
    const seen = new Set<string>();
    let count = 0;
    let totalBytes = 0;

    const admit = async (raw: string): Promise<string | null> => {
      const normalised = normaliseRelativePath(raw);
      if (typeof normalised !== "string") {
        refused.push({ path: raw, reason: normalised.reason });
        return null;
      }
      const reason =
        (seen.has(normalised) ? "it appears more than once in the same change; only the first entry is used." : null) ??
        this.ruleViolation(normalised) ??
        (await locationViolation(root, normalised));
      if (reason) {
        refused.push({ path: normalised, reason: `Refused ${normalised}: ${reason}` });
        return null;
      }
      seen.add(normalised);
      return normalised;
    };

    for (const file of change.files) {
      const relative = await admit(file.path);
      if (relative === null) continue;
      const bytes = Buffer.byteLength(file.content, "utf8");
      const reason = file.content.includes("\0")
        ? "its content contains NUL bytes; binary files cannot be written by the crew."
        : bytes > this.maxFileBytes
          ? `it is ${formatBytes(bytes)}, over the limit of ${formatBytes(this.maxFileBytes)} per file.`
          : count >= this.maxFiles
            ? `the change already has ${this.maxFiles} files, the most allowed in one change.`
            : totalBytes + bytes > this.maxTotalBytes
              ? `it would bring the change to ${formatBytes(totalBytes + bytes)}, over the limit of ${formatBytes(this.maxTotalBytes)} per change.`
              : null;
      if (reason) {
        refused.push({ path: relative, reason: `Refused ${relative}: ${reason}` });
        continue;
      }
      count += 1;
      totalBytes += bytes;
      accepted.files.push({ path: relative, content: file.content });
    }

    for (const raw of change.deletions ?? []) {
      const relative = await admit(raw);
      if (relative === null) continue;
      if (count >= this.maxFiles) {
        refused.push({ path: relative, reason: `Refused deleting ${relative}: the change already has ${this.maxFiles} files, the most allowed in one change.` });
        continue;
      }
      count += 1;
      accepted.deletions!.push(relative);
    }
    return { accepted, refused };
  }

  /** Path rules that need no disk access: .git, deny lists, allow list. */
  private ruleViolation(relative: string): string | null {
    if (relative.split("/").some(isGitDirectoryName)) return "paths inside a .git directory are never written.";
    if (this.builtInDeny(relative)) return "it matches a protected path (git internals, CI workflows or secret files), which the crew never changes.";
    if (this.userDeny?.(relative)) return "it matches a pattern in paths.deny of the configuration.";
    if (this.allow && !this.allow(relative)) return `it is outside the allowed paths (paths.allow: ${this.allowPatterns.join(", ")}).`;
    return null;
  }
}

/**
 * Returns the canonical relative form ("a/b.ts") or the reason the path cannot be used. "./a//b" is fine;
 * "..", absolute paths, backslashes and drive letters are refused rather than repaired, because a model
 * that writes them is confused about where it is.
 */
export function normaliseRelativePath(raw: string): string | { reason: string } {
  const refuse = (why: string) => ({ reason: `Refused ${JSON.stringify(raw)}: ${why}` });
  if (raw.trim() === "") return refuse("the path is empty.");
  if (raw.includes("\0")) return refuse("the path contains a NUL byte.");
  if (/[\x00-\x1f\x7f]/.test(raw)) return refuse("the path contains control characters.");
  if (raw.includes("\\")) return refuse("the path contains a backslash; use forward slashes relative to the repository root.");
  if (/^[a-zA-Z]:/.test(raw)) return refuse("the path starts with a drive letter; paths must be relative to the repository root.");
  if (raw.startsWith("/")) return refuse("the path is absolute; paths must be relative to the repository root.");
  if (raw.startsWith("~")) return refuse("the path points into a home directory; paths must be relative to the repository root.");
  const segments = raw.split("/");
  if (segments.includes("..")) return refuse('the path contains a ".." segment, which could leave the repository.');
  if (raw.endsWith("/")) return refuse("the path names a directory, not a file.");
  const normalised = segments.filter((segment) => segment !== "" && segment !== ".").join("/");
  if (normalised === "") return refuse("the path names the repository root, not a file.");
  return normalised;
}

/**
 * Reads patterns the way .gitignore does: one without a slash matches at any depth ("*.pem" covers
 * "certs/server.pem"), a leading slash anchors at the root, and a pattern naming a directory covers
 * everything inside it ("docs" or "docs/" denies "docs/a.md").
 */
export function expandPatterns(patterns: string[]): string[] {
  return patterns.flatMap((pattern) => {
    const trimmed = pattern.trim().replace(/\/+$/, "");
    if (trimmed === "") return [];
    const anchored = trimmed.startsWith("/") ? trimmed.replace(/^\/+/, "") : trimmed.includes("/") ? trimmed : `**/${trimmed}`;
    return [anchored, `${anchored}/**`];
  });
}

/** ".git", ".GIT", ".git." (Windows drops trailing dots) and the 8.3 short name "git~1". */
function isGitDirectoryName(segment: string): boolean {
  const lower = segment.toLowerCase().replace(/[. ]+$/, "");
  return lower === ".git" || lower === "git~1";
}

/** Disk checks: the nearest existing parent must resolve inside the root; the target must be a plain file. */
async function locationViolation(root: string, relative: string): Promise<string | null> {
  const target = path.join(root, relative);
  const existing = await lstatOrNull(target);
  if (existing?.isSymbolicLink()) return "it is a symbolic link; the crew does not write or delete through links.";
  if (existing?.isDirectory()) return "it is a directory, not a file.";
  if (existing && !existing.isFile()) return "it is not a regular file.";

  let parent = path.dirname(target);
  while (parent !== root && !(await lstatOrNull(parent))) parent = path.dirname(parent);
  const parentStat = await lstatOrNull(parent);
  if (parentStat && !parentStat.isDirectory() && !parentStat.isSymbolicLink()) {
    return `its parent ${path.relative(root, parent)} is a file, not a directory.`;
  }
  const resolved = await realpath(parent).catch(() => null);
  if (resolved === null || !isInside(root, resolved)) {
    return "one of its parent directories is a symbolic link that points outside the repository.";
  }
  return null;
}

async function lstatOrNull(file: string) {
  try {
    return await lstat(file);
  } catch {
    return null;
  }
}

export function isInside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  return relative === "" || (relative !== ".." && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative));
}

function formatBytes(bytes: number): string {
  if (bytes >= MIB) return `${(bytes / MIB).toFixed(bytes % MIB === 0 ? 0 : 1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(bytes % 1024 === 0 ? 0 : 1)} KiB`;
  return `${bytes} bytes`;
}
