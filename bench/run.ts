// Benchmarks: counts and ratios, not wall-clock assertions. Prints a Markdown table; docs/benchmarks.md holds
// the numbers of the last run. Usage: npm run bench
import { execFile } from "node:child_process";
import { mkdtemp, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { buildRepoContext, renderRepoContext } from "../src/core/context/repo-context.js";
import { createCliTask } from "../src/core/intake.js";
import { countTokens, loadTokenizer } from "../src/core/model/token-count.js";
import { readTranscript } from "../src/core/model/transcript.js";
import { demoTranscriptPath } from "../src/demo/offline-model.js";
import { git, writeFiles } from "../test/support/temp-repo.js";

const exec = promisify(execFile);
const rows: [string, string][] = [];
const row = (name: string, value: string) => {
  rows.push([name, value]);
  console.error(`${name}: ${value}`);
};

async function syntheticRepo(fileCount: number): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "codegen-crew-bench-"));
  const files: Record<string, string> = {
    "package.json": JSON.stringify({ name: "big", scripts: { test: "node --test" } }, null, 2),
    "package-lock.json": JSON.stringify({ lockfileVersion: 3, packages: Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`node_modules/p${i}`, { version: "1.0.0" }])) }),
    "README.md": "# big\n",
  };
  for (let i = 0; i < fileCount; i++) {
    files[`src/module${i % 50}/file${i}.js`] = `export function handler${i}(input) {\n  return input + ${i};\n}\n`;
  }
  files["src/export/json-export.js"] = "export function exportJson(rows) {\n  return JSON.stringify(rows);\n}\n";
  await writeFiles(dir, files);
  await git(dir, "init", "-q", "-b", "main");
  await git(dir, "add", "-A");
  await git(dir, "commit", "-q", "-m", "big");
  return dir;
}

async function contextScaling(): Promise<void> {
  const task = createCliTask("Add a --pretty flag to exportJson in src/export/json-export.js\nIndent the JSON output when set.");
  const results: Record<number, { tokens: number; ms: number; treeLines: number }> = {};
  for (const n of [100, 10_000]) {
    const dir = await syntheticRepo(n);
    const started = performance.now();
    const context = await buildRepoContext({ dir, task, tokenBudget: 24_000 });
    const ms = performance.now() - started;
    const rendered = renderRepoContext(context);
    results[n] = { tokens: countTokens(rendered), ms, treeLines: context.tree.split("\n").length };
    row(`context, ${n.toLocaleString("en-US")} files: prompt tokens (budget 24,000)`, results[n]!.tokens.toLocaleString("en-US"));
    row(`context, ${n.toLocaleString("en-US")} files: tree lines`, String(results[n]!.treeLines));
    row(`context, ${n.toLocaleString("en-US")} files: task's named file included`, String(context.files.some((f) => f.path === "src/export/json-export.js")));
    row(`context, ${n.toLocaleString("en-US")} files: package-lock.json kept out`, String(!context.files.some((f) => f.path === "package-lock.json")));
    await rm(dir, { recursive: true, force: true, maxRetries: 3 });
  }
  row("context build time, 10,000 files ÷ 100 files", `${(results[10_000]!.ms / results[100]!.ms).toFixed(1)}×`);
  row("context tokens, 10,000 files ÷ 100 files", `${(results[10_000]!.tokens / results[100]!.tokens).toFixed(2)}×`);
}

/** How much of each prompt is the shared prefix a provider's cache can serve (from the demo's recorded run). */
async function prefixShare(): Promise<void> {
  const transcript = await readTranscript(demoTranscriptPath());
  let shared = 0;
  let total = 0;
  for (const call of transcript.calls) {
    const messages = (call.request as { messages: { content: string | null }[] }).messages;
    const tokens = messages.map((m) => countTokens(m.content ?? ""));
    shared += tokens[0] ?? 0;
    total += tokens.reduce((a, b) => a + b, 0);
  }
  row("demo run: model calls", String(transcript.calls.length));
  row("demo run: prompt tokens in the shared, cacheable system prefix", `${((shared / total) * 100).toFixed(0)}% of ${total.toLocaleString("en-US")}`);
}

async function bundle(file: string, args: string[]): Promise<void> {
  const cli = path.resolve(file);
  row(`${file} size`, `${((await stat(cli)).size / 1024 / 1024).toFixed(2)} MiB`);
  const median = async (node: string) => {
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      // The action exits non-zero outside a runner, right after loading: that is the start-up being measured.
      await exec(node, [cli, ...args]).catch(() => undefined);
      times.push(performance.now() - started);
    }
    const empty: number[] = [];
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      await exec(node, ["-e", ""]);
      empty.push(performance.now() - started);
    }
    const mid = (xs: number[]) => xs.sort((a, b) => a - b)[2]!;
    return mid(times) / mid(empty);
  };
  const what = `cold start \`${[file, ...args].join(" ")}\` ÷ \`node -e ''\``;
  row(`${what}, Node 20`, `${(await median(process.execPath)).toFixed(1)}×`);
  const node24 = process.env.CODEGEN_CREW_NODE24;
  if (node24) row(`${what}, Node 24`, `${(await median(node24)).toFixed(1)}×`);
}

await loadTokenizer();
await contextScaling();
await prefixShare();
await bundle("dist/cli.js", ["--help"]);
await bundle("dist/index.js", []);
await bundle("dist/app.js", ["--help"]);
await (await import("./model-limiter.js")).default(row);
await (await import("./critical-path.js")).criticalPath(row);
console.log("| measure | value |\n|---|---|");
for (const [name, value] of rows) console.log(`| ${name} | ${value} |`);
