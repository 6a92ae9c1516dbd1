import type { Redis } from "ioredis";

/**
 * The trigger label each repository was last seen to use, written by jobs (they read the repository's config)
 * and read by the webhook, which must answer without a GitHub call. The webhook drops a label only on a fresh
 * entry that names another label; on a stale or missing one it enqueues and the job decides. A change of the
 * configured label therefore takes effect within the freshness window at worst (docs/app.md).
 */
export interface CachedLabel {
  label: string;
  /** Read within the freshness window: good enough to drop other labels before the answer. */
  fresh: boolean;
}

export interface TriggerLabelCache {
  get(repository: string): Promise<CachedLabel | undefined>;
  set(repository: string, label: string): Promise<void>;
}

/** How long a label read by a job is trusted to drop other labels at the webhook. */
export const LABEL_FRESH_MS = 5 * 60_000;

/** Entries are kept this long at most; a stale one still says which label removal cancels a job. */
const LABEL_KEEP_MS = 7 * 24 * 3600_000;

/** For the in-process queue: the webhook and the jobs share this process. */
export class MemoryLabelCache implements TriggerLabelCache {
  private readonly entries = new Map<string, { label: string; at: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  async get(repository: string): Promise<CachedLabel | undefined> {
    const entry = this.entries.get(repository.toLowerCase());
    if (!entry) return undefined;
    const age = this.now() - entry.at;
    if (age > LABEL_KEEP_MS) return undefined;
    return { label: entry.label, fresh: age <= LABEL_FRESH_MS };
  }

  async set(repository: string, label: string): Promise<void> {
    this.entries.set(repository.toLowerCase(), { label, at: this.now() });
  }
}

/** For BullMQ: workers on any machine write it, every webhook server reads it, in the queue's Redis. */
export class RedisLabelCache implements TriggerLabelCache {
  constructor(
    private readonly redis: Redis,
    private readonly queueName: string,
    private readonly now: () => number = Date.now,
  ) {}

  async get(repository: string): Promise<CachedLabel | undefined> {
    const text = await this.redis.get(this.key(repository));
    if (!text) return undefined;
    try {
      const entry = JSON.parse(text) as { label?: unknown; at?: unknown };
      if (typeof entry.label !== "string" || typeof entry.at !== "number") return undefined;
      return { label: entry.label, fresh: this.now() - entry.at <= LABEL_FRESH_MS };
    } catch {
      return undefined;
    }
  }

  async set(repository: string, label: string): Promise<void> {
    await this.redis.set(this.key(repository), JSON.stringify({ label, at: this.now() }), "PX", LABEL_KEEP_MS);
  }

  private key(repository: string): string {
    return `codegen-crew:${this.queueName}:label:${repository.toLowerCase()}`;
  }
}
