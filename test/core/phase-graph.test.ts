import { describe, expect, it } from "vitest";
import { CancelledError } from "../../src/core/errors.js";
import { runPhaseGraph, type AnyPhaseNode } from "../../src/core/crew/phase-graph.js";

function gate() {
  let open: () => void = () => {};
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

type Abcd = { a: number; b: string; c: string; d: string };
type Abc = { a: void; b: void; c: void };

describe("runPhaseGraph", () => {
  it("starts a node only after its needs, runs independent nodes together, and hands outputs along", async () => {
    const log: string[] = [];
    const both = gate();
    let waiting = 0;
    const meet = async (name: string, from: number) => {
      log.push(`start ${name}`);
      waiting += 1;
      if (waiting === 2) both.open();
      await both.opened; // would never resolve if b and c ran one after the other
      log.push(`end ${name}`);
      return `${name}:${from}`;
    };
    const nodes: AnyPhaseNode<Abcd>[] = [
      { id: "d", phase: "summarizer", needs: ["b", "c"], run: async ({ output }) => `${output("b")}+${output("c")}` },
      { id: "b", phase: "tester", needs: ["a"], run: ({ output }) => meet("b", output("a")) },
      { id: "c", phase: "reviewer", needs: ["a"], run: ({ output }) => meet("c", output("a")) },
      { id: "a", phase: "intake", needs: [], run: async () => (log.push("a"), 7) },
    ];
    const result = await runPhaseGraph(nodes, { concurrency: Infinity });
    expect(result.failure).toBeUndefined();
    expect(result.outputs.d).toBe("b:7+c:7");
    expect(log[0]).toBe("a");
    expect(log.slice(1, 3).sort()).toEqual(["start b", "start c"]);
  });

  it("runs one node at a time with concurrency 1, in dependency order", async () => {
    let running = 0;
    let most = 0;
    const order: string[] = [];
    const node = (id: keyof Abc, needs: (keyof Abc)[]): AnyPhaseNode<Abc> => ({
      id,
      phase: "intake",
      needs,
      run: async () => {
        running += 1;
        most = Math.max(most, running);
        await new Promise((r) => setTimeout(r, 5));
        order.push(id);
        running -= 1;
      },
    });
    await runPhaseGraph([node("c", ["a"]), node("b", ["a"]), node("a", [])], { concurrency: 1 });
    expect(most).toBe(1);
    expect(order[0]).toBe("a");
  });

  it("stops scheduling after a failure, aborts running nodes and names the node that failed first", async () => {
    const started: string[] = [];
    let sawAbort = false;
    const nodes: AnyPhaseNode<Abc>[] = [
      { id: "a", phase: "developer", needs: [], run: () => new Promise((_, reject) => setTimeout(() => reject(new Error("a broke")), 5)) },
      {
        id: "b",
        phase: "reviewer",
        needs: [],
        // Fails too, but only because it was stopped: that is not the cause to report.
        run: ({ signal }) =>
          new Promise<void>((_, reject) => {
            started.push("b");
            signal.addEventListener("abort", () => ((sawAbort = true), reject(new CancelledError("stopped"))));
          }),
      },
      { id: "c", phase: "tester", needs: ["a"], run: async () => void started.push("c") },
    ];
    const result = await runPhaseGraph(nodes, { concurrency: Infinity });
    expect(result.failure?.id).toBe("a");
    expect(result.failure?.phase).toBe("developer");
    expect((result.failure?.error as Error).message).toBe("a broke");
    expect(started).toEqual(["b"]);
    expect(sawAbort).toBe(true);
  });

  it("keeps the outputs of the nodes that finished before a failure", async () => {
    const nodes: AnyPhaseNode<Abcd>[] = [
      { id: "a", phase: "intake", needs: [], run: async () => 1 },
      { id: "b", phase: "architect", needs: ["a"], run: async () => "plan" },
      { id: "c", phase: "developer", needs: ["b"], run: async () => Promise.reject(new Error("no")) },
      { id: "d", phase: "tester", needs: ["c"], run: async () => "never" },
    ];
    const result = await runPhaseGraph(nodes, { concurrency: Infinity });
    expect(result.outputs).toEqual({ a: 1, b: "plan" });
    expect(result.failure?.phase).toBe("developer");
  });

  it("refuses to hand a node the output of a node it does not need", async () => {
    const nodes: AnyPhaseNode<Abcd>[] = [
      { id: "a", phase: "intake", needs: [], run: async () => 1 },
      { id: "b", phase: "architect", needs: ["a"], run: async () => "x" },
      { id: "c", phase: "developer", needs: ["b"], run: async ({ output }) => String(output("a")) },
    ];
    const result = await runPhaseGraph(nodes.concat([{ id: "d", phase: "tester", needs: [], run: async () => "" }]), { concurrency: Infinity });
    expect(String(result.failure?.error)).toMatch(/c read the output of a, which it does not need/);
  });

  it("reports a cancellation from outside as the failure", async () => {
    const outer = new AbortController();
    const nodes: AnyPhaseNode<Abc>[] = [
      {
        id: "a",
        phase: "architect",
        needs: [],
        run: ({ signal }) => new Promise((_, reject) => signal.addEventListener("abort", () => reject(new CancelledError("label removed")))),
      },
      { id: "b", phase: "developer", needs: ["a"], run: async () => {} },
      { id: "c", phase: "tester", needs: [], run: async () => {} },
    ];
    setTimeout(() => outer.abort(), 5);
    const result = await runPhaseGraph(nodes, { concurrency: Infinity, signal: outer.signal });
    expect(result.failure?.error).toBeInstanceOf(CancelledError);
    expect(result.failure?.phase).toBe("architect");
  });

  it("rejects unknown needs, duplicate ids and cycles", async () => {
    await expect(runPhaseGraph<Abc>([{ id: "a", phase: "intake", needs: ["z" as "a"], run: async () => {} }], { concurrency: 1 })).rejects.toThrow(/unknown phase z/);
    await expect(
      runPhaseGraph<Abc>(
        [
          { id: "a", phase: "intake", needs: [], run: async () => {} },
          { id: "a", phase: "intake", needs: [], run: async () => {} },
        ],
        { concurrency: 1 },
      ),
    ).rejects.toThrow(/two nodes named a/);
    await expect(
      runPhaseGraph<Abc>(
        [
          { id: "a", phase: "intake", needs: ["b"], run: async () => {} },
          { id: "b", phase: "intake", needs: ["a"], run: async () => {} },
        ],
        { concurrency: 1 },
      ),
    ).rejects.toThrow(/cycle/);
  });
});
