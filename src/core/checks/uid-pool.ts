import { mkdir, open, readFile, rm } from "node:fs/promises";
import path from "node:path";

/**
 * Throwaway uids for the strong tier, one per concurrent job across every codegen-crew process on the host
 * (an app and its workers share one machine): a uid is claimed by creating `<lockDir>/<uid>` exclusively with
 * our pid in it; a lock whose process is gone is taken over.
 */
export class UidPool {
  private readonly mine = new Set<number>();

  constructor(
    private readonly first: number,
    private readonly count: number,
    private readonly lockDir: string,
  ) {}

  async claim(): Promise<number> {
    await mkdir(this.lockDir, { recursive: true, mode: 0o700 });
    for (let uid = this.first; uid < this.first + this.count; uid++) {
      if (this.mine.has(uid)) continue;
      if (await this.tryLock(uid)) {
        this.mine.add(uid);
        return uid;
      }
    }
    throw new Error(`every sandbox uid from ${this.first} to ${this.first + this.count - 1} is in use: more concurrent jobs on this host than uids`);
  }

  async release(uid: number): Promise<void> {
    if (!this.mine.delete(uid)) return;
    await rm(path.join(this.lockDir, String(uid)), { force: true });
  }

  private async tryLock(uid: number): Promise<boolean> {
    const file = path.join(this.lockDir, String(uid));
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const handle = await open(file, "wx", 0o600);
        await handle.writeFile(String(process.pid));
        await handle.close();
        return true;
      } catch {
        const owner = Number((await readFile(file, "utf8").catch(() => "")).trim());
        if (owner === process.pid || (owner > 0 && isAlive(owner))) return false;
        await rm(file, { force: true });
      }
    }
    return false;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
