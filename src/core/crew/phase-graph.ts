import pLimit from "p-limit";
import { CancelledError, CrewError } from "../errors.js";

/**
 * A tiny DAG runner: each node starts as soon as the nodes it needs have finished, so independent phases
 * overlap. `concurrency: 1` gives the `--sequential` debugging mode with the same graph.
 */
export interface PhaseNode<Id extends string> {
  id: Id;
  needs: readonly Id[];
  run(signal: AbortSignal): Promise<void>;
}

export async function runPhaseGraph<Id extends string>(
  nodes: readonly PhaseNode<Id>[],
  options: { concurrency: number; signal?: AbortSignal },
): Promise<void> {
  validateGraph(nodes);
  const limit = pLimit(options.concurrency);
  const failure = new AbortController();
  const onOuterAbort = () => failure.abort(options.signal?.reason);
  options.signal?.addEventListener("abort", onOuterAbort, { once: true });
  const done = new Map<Id, Promise<void>>();

  const start = (node: PhaseNode<Id>): Promise<void> => {
    const existing = done.get(node.id);
    if (existing) return existing;
    const promise = (async () => {
      await Promise.all(node.needs.map((id) => start(nodes.find((n) => n.id === id)!)));
      await limit(async () => {
        if (failure.signal.aborted) throw new CancelledError(`phase ${node.id} not started: the run is stopping`);
        await node.run(failure.signal);
      });
    })();
    // The first real failure stops everything not yet started; running phases see the abort signal.
    promise.catch((error: unknown) => {
      if (!failure.signal.aborted) failure.abort(error);
    });
    done.set(node.id, promise);
    return promise;
  };

  try {
    const results = await Promise.allSettled(nodes.map(start));
    const firstCause = failure.signal.aborted ? failure.signal.reason : undefined;
    if (firstCause !== undefined) throw firstCause;
    const rejected = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (rejected) throw rejected.reason;
  } finally {
    options.signal?.removeEventListener("abort", onOuterAbort);
  }
}

function validateGraph<Id extends string>(nodes: readonly PhaseNode<Id>[]): void {
  const ids = new Set(nodes.map((n) => n.id));
  for (const node of nodes) {
    for (const need of node.needs) {
      if (!ids.has(need)) throw new CrewError(`phase graph: ${node.id} needs unknown phase ${need}`);
    }
  }
  const visiting = new Set<Id>();
  const visited = new Set<Id>();
  const visit = (id: Id) => {
    if (visited.has(id)) return;
    if (visiting.has(id)) throw new CrewError(`phase graph: cycle through ${id}`);
    visiting.add(id);
    for (const need of nodes.find((n) => n.id === id)!.needs) visit(need);
    visiting.delete(id);
    visited.add(id);
  };
  for (const node of nodes) visit(node.id);
}
