import type { CrewConfig } from "../config.js";
import { MeteredModelClient } from "../model/metered-model-client.js";
import type { ConnectModel, ModelClient } from "../model/model-client.js";
import { mergePrices } from "../model/pricing.js";
import { CachingModelClient } from "../model/response-cache.js";
import { RunBudget } from "../model/run-budget.js";
import { RecordingModelClient, TranscriptRecorder } from "../model/transcript.js";
import { UsageLedger, type LedgerListener } from "../model/usage-ledger.js";

export interface ModelStack {
  model: ModelClient;
  budget: RunBudget;
  ledger: UsageLedger;
  recorder: TranscriptRecorder | undefined;
}

/**
 * Wires the model client every entry point uses: budget and usage outermost (a call that would exceed the
 * budget is never sent), then the transcript (so replay sees cache hits too), then the optional cache,
 * then the transport (the network, or a transcript when replaying).
 */
export async function createModelStack(options: {
  config: CrewConfig;
  connect: ConnectModel;
  transcript?: { file: string; meta: Record<string, unknown> };
  cacheDir?: string;
  onUsage?: LedgerListener;
  now?: () => number;
}): Promise<ModelStack> {
  const { config } = options;
  const budget = new RunBudget({ tokens: config.budget.tokens, costUsd: config.budget.cost_usd, minutes: config.budget.minutes }, options.now);
  const ledger = new UsageLedger(options.onUsage ? { onRecord: options.onUsage } : {});
  let model: ModelClient = options.connect(budget, config);
  if (options.cacheDir) model = new CachingModelClient({ dir: options.cacheDir, inner: model });
  let recorder: TranscriptRecorder | undefined;
  if (options.transcript) {
    recorder = await TranscriptRecorder.open(options.transcript.file, options.transcript.meta);
    model = new RecordingModelClient(model, recorder);
  }
  model = new MeteredModelClient(model, { budget, ledger, prices: mergePrices(config.prices) });
  return { model, budget, ledger, recorder };
}
