// Repository scale: what a repository's size costs in prompt tokens and context time, at 100, 1,000 and
// 10,000 files, for the same task. Two measures: the rendered repository context alone, and every prompt of a
// whole scripted run (the demo story against the sample repository grown to that size, at the scripted server).
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { buildRepoContext, renderRepoContext, type RepoContext } from "../src/core/context/repo-context.js";
import { createCliTask } from "../src/core/intake.js";
import { countTokens, countTokensOfEach } from "../src/core/model/token-count.js";
import { createSampleRepo } from "../src/demo/sample-repo.js";
import { runAgainst, scriptDemoStory } from "../test/crew/crew-fixture.js";
import { startScriptedModel } from "../test/support/scripted-model.js";
import { git, writeFiles } from "../test/support/temp-repo.js";

const SIZES = [100, 1_000, 10_000];
const NAMED = "src/export/json-export.js";
const TASK = `Add a --pretty flag to exportJson in ${NAMED}\nIndent the JSON output when set.`;
const TOKEN_RATIO_TARGET = 1.5;
const BUILDS = 3;

type Row = (name: string, value: string) => void;

export async function repoScale(row: Row): Promise<void> {
  await contextAtScale(row);
  await scriptedRunAtScale(row);
}

/** A committed repository of `count` small modules in 50 folders, besides `extra` files. */
async function syntheticRepo(count: number, dir: string, extra: Record<string, string>): Promise<void> {
  const files: Record<string, string> = { ...extra };
  for (let i = 0; i < count; i++) files[`lib/module${i % 50}/file${i}.js`] = `export function handler${i}(input) {\n  return input + ${i};\n}\n`;
  await writeFiles(dir, files);
  await git(dir, "add", "-A");
  await git(dir, "commit", "-q", "-m", `${count} modules`);
}

async function contextAtScale(row: Row): Promise<void> {
  const task = createCliTask(TASK);
  const measured = new Map<number, { tokens: number; ms: number }>();
  for (const count of SIZES) {
    const dir = await mkdtemp(path.join(os.tmpdir(), "codegen-crew-bench-scale-"));
    try {
      await git(dir, "init", "-q", "-b", "main");
      await syntheticRepo(count, dir, {
        "package.json": JSON.stringify({ name: "big", scripts: { test: "node --test" } }, null, 2),
        "package-lock.json": JSON.stringify({
          lockfileVersion: 3,
          packages: Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`node_modules/p${i}`, { version: "1.0.0" }])),
        }),
        "README.md": "# big\n",
        [NAMED]: "export function exportJson(rows) {\n  return JSON.stringify(rows);\n}\n",
      });
      const times: number[] = [];
      let context: RepoContext | undefined;
      for (let i = 0; i < BUILDS; i++) {
        const started = performance.now();
        context = await buildRepoContext({ dir, task, tokenBudget: 24_000 });
        times.push(performance.now() - started);
      }
      const ctx = context!;
      const tokens = await countTokens(renderRepoContext(ctx));
      const ms = median(times);
      measured.set(count, { tokens, ms });
      const size = `${count.toLocaleString("en-US")} files`;
      row(`repo scale, context of ${size}: prompt tokens (budget 24,000)`, tokens.toLocaleString("en-US"));
      row(`repo scale, context of ${size}: tree lines (whole up to 200, else a summary of about 100)`, String(ctx.tree.split("\n").length));
      row(`repo scale, context of ${size}: build time, median of ${BUILDS}`, `${ms.toFixed(0)} ms`);
      row(`repo scale, context of ${size}: the file the task names included (target: true)`, String(ctx.files.some((f) => f.path === NAMED)));
      row(`repo scale, context of ${size}: package-lock.json kept out (target: true)`, String(!ctx.files.some((f) => f.path === "package-lock.json")));
    } finally {
      await rm(dir, { recursive: true, force: true, maxRetries: 3 });
    }
  }
  const base = measured.get(SIZES[0]!)!;
  for (const count of SIZES.slice(1)) {
    const m = measured.get(count)!;
    const size = count.toLocaleString("en-US");
    row(`repo scale, context tokens ${size} ÷ 100 files (target ≤ ${TOKEN_RATIO_TARGET}×)`, `${(m.tokens / base.tokens).toFixed(2)}×`);
    row(`repo scale, context build time ${size} ÷ 100 files`, `${(m.ms / base.ms).toFixed(1)}×`);
  }
}

/** The demo story (architect to summarizer, one repair round) on the sample repository plus `count` modules. */
async function scriptedRunAtScale(row: Row): Promise<void> {
  const measured = new Map<number, number>();
  for (const count of SIZES) {
    const root = await mkdtemp(path.join(os.tmpdir(), "codegen-crew-bench-run-"));
    const model = await startScriptedModel();
    try {
      const sample = await createSampleRepo(path.join(root, "repo"));
      await syntheticRepo(count, sample.dir, {});
      scriptDemoStory(model);
      const { report } = await runAgainst(model, sample.dir, sample.task);
      let tokens = 0;
      for (const request of model.requests) tokens += await promptTokens(request.body);
      measured.set(count, tokens);
      const size = `${count.toLocaleString("en-US")} files`;
      row(
        `repo scale, scripted demo run on the sample repo + ${size}: prompt tokens over ${model.requests.length} calls (result: ${report.result})`,
        tokens.toLocaleString("en-US"),
      );
    } finally {
      await model.close();
      await rm(root, { recursive: true, force: true, maxRetries: 3 });
    }
  }
  const base = measured.get(SIZES[0]!)!;
  for (const count of SIZES.slice(1)) {
    row(`repo scale, scripted run prompt tokens ${count.toLocaleString("en-US")} ÷ 100 files (target ≤ ${TOKEN_RATIO_TARGET}×)`, `${(measured.get(count)! / base).toFixed(2)}×`);
  }
}

/** Tokens of every message's text: what the provider is sent as the prompt (tool schemas aside). */
async function promptTokens(body: Record<string, unknown>): Promise<number> {
  const messages = (body["messages"] ?? []) as { content?: unknown }[];
  const counts = await countTokensOfEach(messages.map((message) => (typeof message.content === "string" ? message.content : JSON.stringify(message.content ?? ""))));
  return counts.reduce((sum, count) => sum + count, 0);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
