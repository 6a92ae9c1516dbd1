// Records the demo's example run: the crew runs on the sample repository against the scripted model that
// answers with src/demo/demo-answers.ts, and the transcript becomes fixtures/demo/transcript.jsonl, which
// `codegen-crew demo` serves offline. Run it after changing the answers or the crew's call order:
//   npx tsx scripts/record-demo.ts
import { copyFile, mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { runOnLocalRepository } from "../src/cli/local-run.js";
import { createCliTask } from "../src/core/intake.js";
import { createOpenAIModelClient } from "../src/core/model/openai-model-client.js";
import { demoAnswers } from "../src/demo/demo-answers.js";
import { createSampleRepo } from "../src/demo/sample-repo.js";
import { startScriptedModel, toolAnswer } from "../test/support/scripted-model.js";

const root = await mkdtemp(path.join(os.tmpdir(), "codegen-crew-record-"));
const model = await startScriptedModel();
try {
  for (const [role, answers] of Object.entries(demoAnswers)) model.on(role, ...answers.map((a) => toolAnswer(role, a)));
  const sample = await createSampleRepo(path.join(root, "text-tools"));
  const result = await runOnLocalRepository({
    repoDir: sample.dir,
    task: createCliTask(sample.task),
    sequential: true,
    connect: () => createOpenAIModelClient({ baseURL: model.baseURL, apiKey: "recording", timeoutMs: 30_000 }),
  });
  model.assertComplete();
  if (result.report.result !== "ready") throw new Error(`the demo story must end ready, it ended ${result.report.result}: ${result.report.reason}`);
  const target = path.join("fixtures", "demo", "transcript.jsonl");
  await mkdir(path.dirname(target), { recursive: true });
  await copyFile(path.join(result.outDir, "transcript.jsonl"), target);
  console.log(`recorded ${model.requests.length} calls to ${target}`);
} finally {
  await model.close();
  await rm(root, { recursive: true, force: true });
}
