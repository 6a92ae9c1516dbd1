import { describe, expect, it } from "vitest";
import { runPhaseGraph, type PhaseNode } from "../../src/core/crew/phase-graph.js";

function gate() {
  let open: () => void = () => {};
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

describe("runPhaseGraph", () => {
  it("starts a node only after its needs and runs independent nodes together", async () => {
    const log: string[] = [];
    const both = gate();
    let waiting = 0;
    const meet = async (name: string) => {
      log.push(`start ${name}`);
      waiting += 1;
      if (waiting === 2) both.open();
      await both.opened; // would never resolve if b and c ran one after the other
      log.push(`end ${name}`);
    };
    const nodes: PhaseNode<"a" | "b" | "c" | "d">[] = [
      { id: "d", needs: ["b", "c"], run: async () => void log.push("d") },
      { id: "b", needs: ["a"], run: () => meet("b") },
      { id: "c", needs: ["a"], run: () => meet("c") },
      { id: "a", needs: [], run: async () => void log.push("a") },
    ];
    await runPhaseGraph(nodes, { concurrency: Infinity });
    expect(log[0]).toBe("a");
    expect(log.at(-1)).toBe("d");
    expect(log.slice(1, 3).sort()).toEqual(["start b", "start c"]);
  });

  it("runs one node at a time with concurrency 1, in dependency order", async () => {
    let running = 0;
    let most = 0;
    const order: string[] = [];
    const node = (id: "a" | "b" | "c", needs: ("a" | "b" | "c")[]): PhaseNode<"a" | "b" | "c"> => ({
      id,
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

  it("stops scheduling after a failure, aborts running nodes and rethrows the first error", async () => {
    const started: string[] = [];
    let sawAbort = false;
    const nodes: PhaseNode<"a" | "b" | "c">[] = [
      { id: "a", needs: [], run: async () => Promise.reject(new Error("a broke")) },
      {
        id: "b",
        needs: [],
        run: (signal) =>
          new Promise<void>((resolve) => {
            started.push("b");
            signal.addEventListener("abort", () => ((sawAbort = true), resolve()));
          }),
      },
      { id: "c", needs: ["a"], run: async () => void started.push("c") },
    ];
    await expect(runPhaseGraph(nodes, { concurrency: Infinity })).rejects.toThrow("a broke");
    expect(started).toEqual(["b"]);
    expect(sawAbort).toBe(true);
  });

  it("rejects unknown needs and cycles", async () => {
    await expect(runPhaseGraph([{ id: "a", needs: ["z" as "a"], run: async () => {} }], { concurrency: 1 })).rejects.toThrow(/unknown phase z/);
    await expect(
      runPhaseGraph(
        [
          { id: "a", needs: ["b"], run: async () => {} },
          { id: "b", needs: ["a"], run: async () => {} },
        ],
        { concurrency: 1 },
      ),
    ).rejects.toThrow(/cycle/);
  });
});
