import ora, { type Ora } from "ora";
import type { EvalEvent } from "../core/eval/run-suite.js";

/**
 * Progress of an eval: one updating line on a terminal (tasks done, resolved so far, tokens, cost) and a
 * line per finished task; plain lines only when stderr is not a terminal.
 */
export interface EvalProgressPrinter {
  onEvent(event: EvalEvent): void;
  stop(): void;
}

export function createEvalProgressPrinter(total: number, stream: NodeJS.WriteStream = process.stderr, startedAt = Date.now()): EvalProgressPrinter {
  let done = 0;
  let resolved = 0;
  let tokens = 0;
  let cost = 0;
  const running = new Set<string>();
  const spinner: Ora | undefined = stream.isTTY && (stream.columns ?? 0) > 0 ? ora({ stream, discardStdin: false }) : undefined;
  const status = () =>
    `${done}/${total} done · ${resolved} resolved · ${tokens.toLocaleString("en-US")} tokens · $${cost.toFixed(4)} · ${Math.round((Date.now() - startedAt) / 1000)}s`;
  const refresh = () => {
    if (!spinner) return;
    spinner.text = `${status()}${running.size ? ` · running ${[...running].join(", ")}` : ""}`;
    if (done < total && !spinner.isSpinning) spinner.start();
  };
  const line = (text: string) => {
    spinner?.stop();
    stream.write(`${text}\n`);
    refresh();
  };
  return {
    onEvent(event) {
      switch (event.type) {
        case "task-start":
          running.add(event.id);
          if (!spinner) line(`… ${event.id}`);
          else refresh();
          break;
        case "task-end": {
          running.delete(event.result.instance_id);
          done = event.done;
          resolved = event.resolved;
          const r = event.result;
          const why = r.status === "error" && r.error ? `: ${r.error.split("\n")[0]!.slice(0, 160)}` : "";
          line(`${MARKS[r.status]} ${r.instance_id} ${r.status}${r.result ? ` (crew: ${r.result})` : ""}${why} · ${status()}`);
          break;
        }
        case "usage":
          tokens = event.tokens;
          cost = event.costUsd;
          refresh();
          break;
      }
    },
    stop() {
      spinner?.stop();
    },
  };
}

const MARKS = { resolved: "✔", partial: "◐", unresolved: "✖", error: "!" } as const;
