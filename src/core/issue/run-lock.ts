import { z } from "zod";
import { describeError } from "../errors.js";
import { ForgeError, type ForgeClient } from "../forge/forge-client.js";

/**
 * One run per issue at a time, without relying on a workflow `concurrency:` group: the lock is a git ref,
 * `refs/codegen-crew/locks/issue-N`, created through the Git Data API before any write. A ref create is
 * atomic (the second gets 422), so exactly one of two simultaneous runs gets it. The ref points at an
 * annotated tag whose message records the holder and when the lock expires, so a crashed run blocks the
 * issue only until its time budget has passed.
 */
export interface LockHolder {
  /** Who holds it, for people: "workflow run https://…/runs/7", "app job 42". */
  run: string;
  /** "action" or "app": the app may take over locks its own earlier jobs left (its queue already serialises). */
  owner: "action" | "app" | "cli";
  startedAt: number;
  expiresAt: number;
}

const holderSchema = z.object({ run: z.string(), owner: z.enum(["action", "app", "cli"]), startedAt: z.number(), expiresAt: z.number() });

export type LockResult = { acquired: true; release(): Promise<void> } | { acquired: false; holder: LockHolder | undefined };

export interface LockOptions {
  now: () => number;
  /** Takes over a live lock this holder left, e.g. an app job whose process died. */
  mayTakeOver?: (holder: LockHolder) => boolean;
  log: { warn(message: string): void };
  /** The default branch's head, when the caller already asked for it (alongside its other reads). */
  base?: Promise<string | null>;
}

export function lockRef(issue: number): string {
  return `refs/codegen-crew/locks/issue-${issue}`;
}

export async function acquireRunLock(forge: ForgeClient, issue: number, holder: LockHolder, options: LockOptions): Promise<LockResult> {
  const ref = lockRef(issue);
  const base = await (options.base ?? forge.getDefaultBranch().then((branch) => forge.getBranchSha(branch)));
  if (!base) throw new ForgeError("take the run lock", "the repository has no default branch to point the lock at");
  const tag = await forge.createTag({ tag: `codegen-crew-lock-issue-${issue}`, message: JSON.stringify(holder), object: base });

  for (let attempt = 0; attempt < 2; attempt++) {
    if (await forge.createRef(ref, tag.sha)) {
      return { acquired: true, release: () => releaseLock(forge, ref, tag.sha, options.log) };
    }
    // A 5xx can come after GitHub made the ref; the retry then gets 422 for our own ref, which is ours to hold.
    if ((await forge.getRef(ref))?.sha === tag.sha) return { acquired: true, release: () => releaseLock(forge, ref, tag.sha, options.log) };
    const current = await readHolder(forge, ref);
    if (current === null) continue; // released between our create and our read: try once more
    const expired = current.holder === undefined || current.holder.expiresAt <= options.now();
    const takeOver = current.holder !== undefined && options.mayTakeOver?.(current.holder) === true;
    if (!expired && !takeOver) return { acquired: false, holder: current.holder };
    // The holder is gone (expired, or an unreadable record); delete its ref and race for a fresh create. GitHub
    // has no compare-and-swap on refs, so two runs taking over the same expired lock at the same instant could
    // both delete and one re-create it after the other: rare (it needs a crashed run), and accepted.
    options.log.warn(
      `taking over the run lock of issue #${issue}: ${current.holder ? `${current.holder.run} ${expired ? "expired" : "is an earlier job of this app"}` : "its record is unreadable"}`,
    );
    await forge.deleteRef(ref).catch(() => undefined);
  }
  return { acquired: false, holder: (await readHolder(forge, ref))?.holder };
}

async function readHolder(forge: ForgeClient, ref: string): Promise<{ holder: LockHolder | undefined } | null> {
  const target = await forge.getRef(ref);
  if (!target) return null;
  if (target.type !== "tag") return { holder: undefined };
  try {
    const parsed = holderSchema.safeParse(JSON.parse((await forge.getTag(target.sha)).message));
    return { holder: parsed.success ? parsed.data : undefined };
  } catch {
    return { holder: undefined };
  }
}

/** Deletes the lock ref if it is still ours; another run's lock (after an expiry takeover) is left alone. */
async function releaseLock(forge: ForgeClient, ref: string, ours: string, log: { warn(message: string): void }): Promise<void> {
  try {
    const target = await forge.getRef(ref);
    if (target?.sha === ours) await forge.deleteRef(ref);
  } catch (error) {
    log.warn(`could not release the run lock ${ref}: ${describeError(error)}; it expires by itself`);
  }
}

export function describeHolder(holder: LockHolder | undefined): string {
  if (!holder) return "another codegen-crew run";
  return `${holder.run} (started ${new Date(holder.startedAt).toISOString()})`;
}
