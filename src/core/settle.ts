/**
 * Like Promise.all, but every task finishes (or fails) before the first failure is thrown: whatever comes
 * next (a run's outcome, a lock release, the process's exit) never races work still on its way.
 */
export async function allSettledOrThrow<T extends readonly unknown[]>(work: T): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const settled = await Promise.allSettled(work);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<unknown>).value) as { -readonly [K in keyof T]: Awaited<T[K]> };
}

/**
 * A read sent ahead of the step that needs it: marked handled at once, so that a run which ends before it
 * looks (a refusal, a closed issue) never leaves an unhandled rejection; awaiting it still throws.
 */
export function sentAhead<T>(work: Promise<T>): Promise<T> {
  work.catch(() => undefined);
  return work;
}
