import ora, { type Ora } from "ora";
import type { ProgressEvent, ProgressListener } from "../core/progress.js";
import type { UsageTotals } from "../core/report/run-report.js";

export interface ProgressPrinter {
  onProgress: ProgressListener;
  onUsage(totals: UsageTotals): void;
  stop(): void;
}

/**
 * Progress while a run goes: a spinner line on a terminal (phase, agent, round, tokens, elapsed), plain
 * lines otherwise so logs and CI output stay readable.
 */
export function createProgressPrinter(stream: NodeJS.WriteStream = process.stderr, startedAt = Date.now()): ProgressPrinter {
  const running = new Map<string, number>();
  let tokens = 0;
  let cost = 0;
  const elapsed = (at: number) => {
    const s = Math.floor((at - startedAt) / 1000);
    return `${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
  };
  const usage = () => `${tokens.toLocaleString("en-US")} tokens, $${cost.toFixed(4)}`;
  // A terminal that reports no width (some pseudo-terminals) makes a spinner redraw endlessly: plain lines there.
  const spinner: Ora | undefined = stream.isTTY && (stream.columns ?? 0) > 0 ? ora({ stream, discardStdin: false }) : undefined;
  const line = (text: string) => {
    if (spinner) {
      spinner.stop();
      stream.write(`${text}\n`);
      refresh();
    } else {
      stream.write(`${text}\n`);
    }
  };
  const refresh = () => {
    if (!spinner) return;
    if (running.size === 0) {
      spinner.stop();
      return;
    }
    spinner.text = `${[...running.keys()].join(" ∥ ")} · ${usage()} · ${elapsed(Date.now())}`;
    if (!spinner.isSpinning) spinner.start();
  };

  const onProgress = (event: ProgressEvent) => {
    switch (event.type) {
      case "phase-start":
        running.set(event.name, event.at);
        if (!spinner) line(`[${elapsed(event.at)}] … ${event.name}`);
        else refresh();
        break;
      case "phase-end": {
        const began = running.get(event.name) ?? event.at;
        running.delete(event.name);
        const mark = event.status === "ok" ? "✔" : event.status === "skipped" ? "–" : "✖";
        const detail = event.detail && event.status !== "ok" ? `: ${event.detail.split("\n")[0]!.slice(0, 160)}` : "";
        line(`[${elapsed(event.at)}] ${mark} ${event.name} (${((event.at - began) / 1000).toFixed(1)}s)${detail}`);
        break;
      }
      case "round":
        line(`[${elapsed(event.at)}] ↻ repair round ${event.round}: ${event.problems.slice(0, 3).join("; ")}`);
        break;
      case "usage":
        tokens = event.totalTokens;
        cost = event.costUsd;
        refresh();
        break;
      case "done":
        running.clear();
        line(`[${elapsed(event.at)}] ${event.result}: ${event.reason} (${usage()})`);
        break;
    }
  };

  return {
    onProgress,
    onUsage(totals) {
      onProgress({ type: "usage", totalTokens: totals.promptTokens + totals.completionTokens, costUsd: totals.costUsd, at: Date.now() });
    },
    stop() {
      spinner?.stop();
    },
  };
}
