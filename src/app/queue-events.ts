import type { CodegenJob, JobOutcome } from "./job.js";

/** What happens to jobs where they are processed (the in-process queue, a BullMQ worker). */
export type QueueEvent =
  | { type: "started"; jobId: string; job: CodegenJob; attempt: number }
  | { type: "finished"; jobId: string; job: CodegenJob; outcome: JobOutcome; durationMs: number }
  | { type: "failed"; jobId: string; job: CodegenJob; error: unknown; willRetry: boolean; durationMs: number }
  /** Removed before it started (label removed, shutdown of a queued job is not a cancel). */
  | { type: "cancelled"; jobId: string; job: CodegenJob };

export type QueueListener = (event: QueueEvent) => void;

/** A tiny listener list: listeners must not throw, and one that does is not allowed to break the queue. */
export class QueueEvents {
  private readonly listeners = new Set<QueueListener>();

  subscribe(listener: QueueListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: QueueEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // An observer's bug must not stop job processing.
      }
    }
  }
}
