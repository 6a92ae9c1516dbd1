import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createCliTask } from "../core/intake.js";
import { createOpenAIModelClient } from "../core/model/openai-model-client.js";
import { loadDemoTranscript, startOfflineModel } from "../demo/offline-model.js";
import { createSampleRepo } from "../demo/sample-repo.js";
import { runOnLocalRepository } from "./local-run.js";
import { createProgressPrinter } from "./progress-printer.js";
import { printResult } from "./run-command.js";

const EXIT_BY_RESULT = { ready: 0, skipped: 0, draft: 2, failed: 1 } as const;

/**
 * The whole flow with no network and no key: a sample repository in a temp folder, and the real SDK
 * talking to an OpenAI-protocol server on 127.0.0.1 that answers from a recorded run. Checks run for real.
 */
export async function runDemoCommand(opts: { sequential?: boolean }, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const root = await mkdtemp(path.join(os.tmpdir(), "codegen-crew-demo-"));
  const sample = await createSampleRepo(path.join(root, "text-tools"));
  const server = await startOfflineModel(await loadDemoTranscript());
  out.write(`Sample repository: ${sample.dir}\nOffline model:     ${server.baseURL} (a recorded run; no network, no key)\n\n`);
  const printer = createProgressPrinter();
  try {
    const result = await runOnLocalRepository({
      repoDir: sample.dir,
      task: createCliTask(sample.task),
      sequential: opts.sequential,
      connect: (budget) => createOpenAIModelClient({ baseURL: server.baseURL, apiKey: "demo-offline", timeoutMs: 30_000, deadline: () => budget.deadline() }),
      onProgress: printer.onProgress,
      onUsage: printer.onUsage,
      meta: { demo: true },
    });
    printer.stop();
    printResult(result, out);
    out.write(`\nSee the change:  git -C ${sample.dir} log --stat main..${result.branch}\n`);
    out.write(`Run its tests:   git -C ${sample.dir} checkout ${result.branch} && (cd ${sample.dir} && npm test)\n`);
    return EXIT_BY_RESULT[result.report.result];
  } finally {
    printer.stop();
    await server.close();
  }
}
