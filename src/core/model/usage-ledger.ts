import type { AgentUsage, CallRecord, UsageTotals } from "../report/run-report.js";

export type LedgerListener = (call: CallRecord, totals: UsageTotals) => void;

/** Every model call of a run, in the order they finished; the report's calls, agents and totals. */
export class UsageLedger {
  private readonly records: CallRecord[] = [];
  private readonly listener: LedgerListener | undefined;

  constructor(options: { onRecord?: LedgerListener } = {}) {
    this.listener = options.onRecord;
  }

  record(call: CallRecord): void {
    this.records.push(call);
    if (!this.listener) return;
    try {
      this.listener(call, this.totals());
    } catch {
      // Observers must not break the run (src/core/progress.ts).
    }
  }

  calls(): CallRecord[] {
    return [...this.records];
  }

  /** One entry per agent, in the order agents first called the model. */
  byAgent(): AgentUsage[] {
    const agents = new Map<CallRecord["agent"], CallRecord[]>();
    for (const call of this.records) {
      const list = agents.get(call.agent) ?? [];
      list.push(call);
      agents.set(call.agent, list);
    }
    return [...agents].map(([agent, calls]) => ({
      agent,
      models: [...new Set(calls.map((call) => call.model))],
      ...sum(calls),
    }));
  }

  totals(): UsageTotals {
    return sum(this.records);
  }
}

function sum(calls: readonly CallRecord[]): UsageTotals {
  const totals: UsageTotals = { calls: 0, promptTokens: 0, completionTokens: 0, cachedTokens: 0, retries: 0, costUsd: 0, latencyMs: 0 };
  for (const call of calls) {
    totals.calls += 1;
    totals.promptTokens += call.promptTokens;
    totals.completionTokens += call.completionTokens;
    totals.cachedTokens += call.cachedTokens;
    totals.retries += call.retries;
    totals.costUsd += call.costUsd;
    totals.latencyMs += call.latencyMs;
  }
  return totals;
}
