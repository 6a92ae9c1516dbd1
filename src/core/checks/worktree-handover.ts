import { stat } from "node:fs/promises";
import { runHostCommand } from "./host-command.js";
import { findExecutable } from "./weak-network.js";

/**
 * The strong tier's worktree handover: the throwaway uid owns the worktree while a command runs in it (so
 * the repository's own git sees no "dubious ownership") and the bot owns it again afterwards. Counted per
 * worktree, so two commands in one worktree share one handover; `chown -h` never follows a link the code
 * planted, and `-R` without `-L` never walks into one.
 */

interface Handover {
  count: number;
  owner: Promise<{ uid: number; gid: number }>;
  queue: Promise<void>;
}

export class WorktreeHandover {
  private readonly held = new Map<string, Handover>();

  /** `privileged`: the argv prefix that runs chown as root ([] when the bot is root, sudo -n otherwise). */
  constructor(private readonly privileged: string[]) {}

  /** Gives `worktree` to `uid`; resolves to the function that gives it back. */
  async handOver(worktree: string, uid: number): Promise<() => Promise<void>> {
    let entry = this.held.get(worktree);
    if (!entry) {
      entry = { count: 0, owner: stat(worktree).then((info) => ({ uid: info.uid, gid: info.gid })), queue: Promise.resolve() };
      this.held.set(worktree, entry);
    }
    const held = entry;
    held.count += 1;
    if (held.count === 1) held.queue = held.queue.then(() => this.chownTree(worktree, uid, uid));
    await held.queue;
    return async () => {
      held.count -= 1;
      if (held.count > 0) return;
      const owner = await held.owner;
      // A command that started while the owner was read (another check of the round) keeps the uid's hold.
      if (held.count > 0) return;
      held.queue = held.queue.then(() => this.chownTree(worktree, owner.uid, owner.gid));
      await held.queue;
      if (held.count === 0 && this.held.get(worktree) === held) this.held.delete(worktree);
    };
  }

  private async chownTree(dir: string, uid: number, gid: number): Promise<void> {
    const chownBin = (await findExecutable("chown", "/usr/bin:/bin")) ?? "chown";
    const [file, ...args] = this.privileged.length ? [...this.privileged, chownBin] : [chownBin];
    const result = await runHostCommand(file!, [...args, "-R", "-h", `${uid}:${gid}`, "--", dir], { timeoutMs: 120_000 });
    if (result.exitCode !== 0) throw new Error(`could not hand ${dir} to uid ${uid}: ${result.stderr.trim() || `chown exited with ${result.exitCode}`}`);
  }
}
