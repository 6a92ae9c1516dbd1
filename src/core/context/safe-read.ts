import { open, realpath, stat } from "node:fs/promises";
import path from "node:path";

/**
 * Reading a repository file named by something untrusted (a model, an issue, the repository's own
 * symlinks): the real path must stay inside the repository and outside `.git`. `root` must already be
 * a real path (see `realRepoRoot`).
 */
export type ResolveProblem = "absolute" | "escapes" | "git-dir" | "missing" | "not-a-file" | "not-a-directory" | "unreadable";

export type Resolved =
  | {
      ok: true;
      /** The path as asked for, normalised. */
      relative: string;
      /** Where it really is, symlinks followed, relative to the root. */
      realRelative: string;
      realPath: string;
      size: number;
      isDirectory: boolean;
    }
  | { ok: false; problem: ResolveProblem; message: string };

export async function realRepoRoot(dir: string): Promise<string> {
  return realpath(path.resolve(dir));
}

/** The repository-relative "/" form of a requested path, or the reason it cannot be one. */
export function normaliseRequestedPath(requested: string): { ok: true; relative: string } | { ok: false; problem: ResolveProblem; message: string } {
  if (requested.includes("\0")) return { ok: false, problem: "escapes", message: "the path contains a NUL byte" };
  const slashed = requested.replace(/\\/g, "/").trim();
  if (path.posix.isAbsolute(slashed) || /^[a-zA-Z]:/.test(slashed) || slashed.startsWith("~")) {
    return { ok: false, problem: "absolute", message: `"${requested}" is an absolute path; give a path relative to the repository root` };
  }
  const normal = path.posix.normalize(slashed || ".").replace(/\/+$/, "");
  if (normal === ".." || normal.startsWith("../")) {
    return { ok: false, problem: "escapes", message: `"${requested}" points outside the repository` };
  }
  const relative = normal === "." ? "" : normal;
  if (isInsideGitDir(relative)) return { ok: false, problem: "git-dir", message: `"${requested}" is inside .git, which is not readable` };
  return { ok: true, relative };
}

function isInsideGitDir(relative: string): boolean {
  return relative.split("/").some((segment) => segment.toLowerCase() === ".git");
}

/** Follows symlinks, then checks that the real target is still inside the repository (and not in .git). */
export async function resolveInRepo(root: string, requested: string): Promise<Resolved> {
  const normal = normaliseRequestedPath(requested);
  if (!normal.ok) return normal;
  let real: string;
  try {
    real = await realpath(path.join(root, normal.relative));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return { ok: false, problem: "missing", message: `"${requested}" does not exist` };
    return { ok: false, problem: "unreadable", message: `"${requested}" cannot be resolved (${code ?? "error"})` };
  }
  const fromRoot = path.relative(root, real);
  if (fromRoot === ".." || fromRoot.startsWith(`..${path.sep}`) || path.isAbsolute(fromRoot)) {
    return { ok: false, problem: "escapes", message: `"${requested}" is a link to a place outside the repository` };
  }
  const realRelative = fromRoot.split(path.sep).join("/");
  if (isInsideGitDir(realRelative)) return { ok: false, problem: "git-dir", message: `"${requested}" leads into .git, which is not readable` };
  try {
    const info = await stat(real);
    if (!info.isFile() && !info.isDirectory()) return { ok: false, problem: "not-a-file", message: `"${requested}" is not a regular file` };
    return { ok: true, relative: normal.relative, realRelative, realPath: real, size: info.size, isDirectory: info.isDirectory() };
  } catch (error) {
    return { ok: false, problem: "unreadable", message: `"${requested}" cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"})` };
  }
}

export type FileRead = { ok: true; relative: string; size: number; content: Buffer; truncated: boolean } | { ok: false; problem: ResolveProblem; message: string };

/** Reads at most `maxBytes` of a regular file inside the repository. */
export async function readRepoFile(root: string, requested: string, maxBytes: number): Promise<FileRead> {
  const resolved = await resolveInRepo(root, requested);
  if (!resolved.ok) return resolved;
  if (resolved.isDirectory) return { ok: false, problem: "not-a-file", message: `"${requested}" is a directory` };
  try {
    // The resolved real path is opened, so a link swapped in after the check is not followed.
    const handle = await open(resolved.realPath, "r");
    try {
      const length = Math.min(resolved.size, maxBytes);
      const content = Buffer.alloc(length);
      const { bytesRead } = await handle.read(content, 0, length, 0);
      return { ok: true, relative: resolved.relative, size: resolved.size, content: content.subarray(0, bytesRead), truncated: resolved.size > bytesRead };
    } finally {
      await handle.close();
    }
  } catch (error) {
    return { ok: false, problem: "unreadable", message: `"${requested}" cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"})` };
  }
}
