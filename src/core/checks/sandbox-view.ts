import { lstat, readFile, readlink, realpath, stat } from "node:fs/promises";
import path from "node:path";

/**
 * The allow-listed filesystem a bubblewrap sandbox sees: the system's programs and libraries read-only, a
 * few /etc files, the toolchains on PATH read-only, a private /tmp and HOME, the worktree read-write, and its
 * git directory read-only with a scrubbed config. Nothing else of the host exists inside: not the bot's HOME,
 * not another job's folder, not /run (docker.sock), not /proc of the host.
 */

export interface ViewSpec {
  worktree: string;
  /** Host folders bound read-write at the same path: the command's HOME and its /tmp. */
  home: string;
  tmp: string;
  /** Generated files bound read-only over /etc/passwd, /etc/group and the git config. */
  passwd: string;
  group: string;
  /** Extra read-only folders or files (toolchains on PATH, our own node, scratch copies). */
  readOnly: string[];
  /** A scrubbed copy bound over the repository's git config (null: no git directory). */
  gitConfig: string | null;
  network: boolean;
  /** Read-only folders shown at another place (after the worktree, so they may lie inside it). */
  mounts: { source: string; target: string }[];
}

/** Top-level system folders: bound read-only when they are folders, recreated when they are /usr symlinks. */
const SYSTEM_DIRS = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/opt"];
/** /etc entries programs need to run, resolve names and verify TLS; credentials never live in these. */
const ETC_ENTRIES = [
  "/etc/alternatives",
  "/etc/ca-certificates",
  "/etc/ca-certificates.conf",
  "/etc/ssl",
  "/etc/pki",
  "/etc/hosts",
  "/etc/host.conf",
  "/etc/resolv.conf",
  "/etc/nsswitch.conf",
  "/etc/gai.conf",
  "/etc/ld.so.cache",
  "/etc/ld.so.conf",
  "/etc/ld.so.conf.d",
  "/etc/localtime",
  "/etc/timezone",
  "/etc/mime.types",
  "/etc/protocols",
  "/etc/services",
  "/etc/os-release",
  "/etc/debian_version",
  "/etc/lsb-release",
  "/etc/python3",
  "/etc/python3.11",
  "/etc/java-17-openjdk",
];

export interface GitLocation {
  /** The folder to bind read-only (the repository's common git dir), and where its config lives. */
  commonDir: string;
  config: string;
  /** `.git` inside the worktree when it is a folder (a plain clone), bound read-only over itself. */
  dotGit: string | null;
}

/** Where the worktree's git data lives: `.git` is a folder, or a file naming a linked worktree's gitdir. */
export async function locateGit(worktree: string): Promise<GitLocation | null> {
  const dotGit = path.join(worktree, ".git");
  const info = await lstat(dotGit).catch(() => null);
  if (!info) return null;
  if (info.isDirectory()) return { commonDir: dotGit, config: path.join(dotGit, "config"), dotGit };
  if (!info.isFile()) return null;
  const pointer = /^gitdir:\s*(.+)$/m.exec(await readFile(dotGit, "utf8"))?.[1]?.trim();
  if (!pointer) return null;
  const gitDir = path.resolve(worktree, pointer);
  const common = (await readFile(path.join(gitDir, "commondir"), "utf8").catch(() => "")).trim();
  const commonDir = common ? path.resolve(gitDir, common) : gitDir;
  return { commonDir: await realpath(commonDir).catch(() => commonDir), config: path.join(commonDir, "config"), dotGit: null };
}

async function exists(target: string): Promise<boolean> {
  return (await stat(target).catch(() => null)) !== null;
}

/** Arguments for the view, in mount order (a folder's parent before the folder). */
export async function viewArguments(spec: ViewSpec, git: GitLocation | null): Promise<string[]> {
  const args: string[] = [];
  for (const dir of SYSTEM_DIRS) {
    const info = await lstat(dir).catch(() => null);
    if (info?.isSymbolicLink()) args.push("--symlink", await readlink(dir), dir);
    else if (info?.isDirectory()) args.push("--ro-bind", dir, dir);
  }
  args.push("--perms", "0755", "--dir", "/etc");
  for (const entry of ETC_ENTRIES) if (await exists(entry)) args.push("--ro-bind", entry, entry);
  args.push("--ro-bind", spec.passwd, "/etc/passwd", "--ro-bind", spec.group, "/etc/group");
  args.push("--proc", "/proc", "--dev", "/dev", "--bind", spec.tmp, "/tmp");
  const covered = (target: string) => SYSTEM_DIRS.some((dir) => target === dir || target.startsWith(`${dir}/`));
  const extra = [...new Set(spec.readOnly.map((p) => path.resolve(p)))].filter((p) => !covered(p) && p !== "/").sort((a, b) => a.length - b.length);
  const present: string[] = [];
  for (const target of extra) if (await exists(target)) present.push(target);
  // bwrap copies each missing parent's mode from the host (a 0700 mkdtemp folder stays 0700): a throwaway
  // uid could not walk to its own worktree. The parents are made traversable first.
  const parents = new Set<string>();
  for (const target of [...present, spec.home, spec.worktree, ...(git ? [git.commonDir] : [])]) {
    for (let dir = path.dirname(target); dir !== "/" && !covered(dir); dir = path.dirname(dir)) parents.add(dir);
  }
  for (const dir of [...parents].sort((a, b) => a.length - b.length)) if (dir !== "/tmp") args.push("--perms", "0755", "--dir", dir);
  for (const target of present) args.push("--ro-bind", target, target);
  args.push("--bind", spec.home, spec.home, "--bind", spec.worktree, spec.worktree);
  if (git) {
    args.push("--ro-bind", git.commonDir, git.commonDir);
    // A linked worktree's `.git` is a file naming its git dir: read-only too, or the code could point the bot's git elsewhere.
    const pointer = git.dotGit ?? path.join(spec.worktree, ".git");
    if (pointer !== git.commonDir) args.push("--ro-bind", pointer, pointer);
    if (spec.gitConfig && (await exists(git.config))) args.push("--ro-bind", spec.gitConfig, git.config);
  }
  for (const mount of spec.mounts) args.push("--ro-bind", mount.source, mount.target);
  return args;
}

/**
 * The repository config the sandbox sees: only what git needs to read the repository (format version,
 * extensions), so no hook path, fsmonitor command, credential helper or auth header planted or persisted
 * in the real one is visible, and nothing written there could run later (it is read-only anyway).
 */
export function scrubbedGitConfig(entries: { key: string; value: string }[]): string {
  const core = entries.filter((e) => e.key === "core.repositoryformatversion" || e.key === "core.bare");
  const extensions = entries.filter((e) => e.key.startsWith("extensions."));
  const lines = ["[core]", ...core.map((e) => `\t${e.key.slice(5)} = ${e.value}`)];
  if (extensions.length) lines.push("[extensions]", ...extensions.map((e) => `\t${e.key.slice(11)} = ${e.value}`));
  return `${lines.join("\n")}\n`;
}
