import pLimit from "p-limit";
import { CancelledError, CrewError, type Phase } from "../errors.js";

/**
 * A tiny DAG runner with typed outputs: each node starts as soon as the nodes it needs have finished, so
 * independent phases overlap, and it reads what they produced through `output(id)` — the only way data
 * moves between phases. `concurrency: 1` gives the `--sequential` debugging mode with the same graph.
 *
 * `O` maps each node id to the type of its output.
 */
export type NodeId<O> = keyof O & string;

export interface PhaseInput<O> {
  signal: AbortSignal;
  /** The output of a node this node needs (asking for any other node is a programming error). */
  output<K extends NodeId<O>>(id: K): O[K];
}

export interface PhaseNode<O, Id extends NodeId<O> = NodeId<O>> {
  id: Id;
  /** The phase a failure of this node is reported under. */
  phase: Phase;
  needs: readonly NodeId<O>[];
  run(input: PhaseInput<O>): Promise<O[Id]>;
}

/** Any node of the graph, whatever its id (a union over ids, so each node's output type stays its own). */
export type AnyPhaseNode<O> = { [K in NodeId<O>]: PhaseNode<O, K> }[NodeId<O>];

export interface GraphResult<O> {
  /** The outputs of every node that finished, including those of a graph that stopped early. */
  outputs: Partial<O>;
  /** The first failure — the cause, not the cancellations it led to — and the node it came from. */
  failure?: { id: NodeId<O>; phase: Phase; error: unknown };
}

export async function runPhaseGraph<O>(nodes: readonly AnyPhaseNode<O>[], options: { concurrency: number; signal?: AbortSignal }): Promise<GraphResult<O>> {
  validateGraph(nodes);
  const byId = new Map<string, AnyPhaseNode<O>>(nodes.map((n) => [n.id, n]));
  const limit = pLimit(options.concurrency);
  const stop = new AbortController();
  const onOuterAbort = () => {
    if (!stop.signal.aborted) stop.abort(options.signal?.reason);
  };
  options.signal?.addEventListener("abort", onOuterAbort, { once: true });
  if (options.signal?.aborted) onOuterAbort();
  const outputs: Partial<O> = {};
  const started = new Map<string, Promise<void>>();
  let failure: GraphResult<O>["failure"];

  const start = (node: AnyPhaseNode<O>): Promise<void> => {
    const existing = started.get(node.id);
    if (existing) return existing;
    const promise = (async () => {
      await Promise.all(node.needs.map((id) => start(byId.get(id)!)));
      await limit(async () => {
        if (stop.signal.aborted) throw new CancelledError(`phase ${node.id} not started: the run is stopping`, { phase: node.phase });
        const output = <K extends NodeId<O>>(id: K): O[K] => {
          if (!node.needs.includes(id) || !(id in outputs)) throw new CrewError(`phase graph: ${node.id} read the output of ${id}, which it does not need`, { phase: node.phase });
          return outputs[id] as O[K];
        };
        const value = await (node as PhaseNode<O>).run({ signal: stop.signal, output });
        (outputs as Record<string, unknown>)[node.id] = value;
      });
    })();
    // The first real failure stops everything not yet started; running phases see the abort signal.
    promise.catch((error: unknown) => {
      if (failure) return;
      if (stop.signal.aborted && error instanceof CancelledError && !options.signal?.aborted) return;
      failure = { id: node.id, phase: node.phase, error };
      if (!stop.signal.aborted) stop.abort(error);
    });
    started.set(node.id, promise);
    return promise;
  };

  try {
    await Promise.allSettled(nodes.map(start));
  } finally {
    options.signal?.removeEventListener("abort", onOuterAbort);
  }
  return failure ? { outputs, failure } : { outputs };
}

function validateGraph<O>(nodes: readonly AnyPhaseNode<O>[]): void {
  const ids = new Set<string>();
  for (const node of nodes) {
    if (ids.has(node.id)) throw new CrewError(`phase graph: two nodes named ${node.id}`);
    ids.add(node.id);
  }
  for (const node of nodes) {
    for (const need of node.needs) {
      if (!ids.has(need)) throw new CrewError(`phase graph: ${node.id} needs unknown phase ${need}`);
    }
  }
  const visiting = new Set<string>();
  const visited = new Set<string>();
  const needsOf = new Map<string, readonly string[]>(nodes.map((n) => [n.id, n.needs]));
  const visit = (id: string) => {
    if (visited.has(id)) return;
    if (visiting.has(id)) throw new CrewError(`phase graph: cycle through ${id}`);
    visiting.add(id);
    for (const need of needsOf.get(id)!) visit(need);
    visiting.delete(id);
    visited.add(id);
  };
  for (const node of nodes) visit(node.id);
}
