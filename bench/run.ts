// Benchmarks: counts and ratios, not wall-clock assertions. Prints a Markdown table; docs/benchmarks.md holds
// the numbers of the last run. Usage: npm run bench
import { execFile } from "node:child_process";
import { stat } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { loadTokenizer } from "../src/core/model/token-count.js";
import prefixCache from "./prefix-cache.js";
import { repoScale } from "./repo-scale.js";

const exec = promisify(execFile);
const rows: [string, string][] = [];
const row = (name: string, value: string) => {
  rows.push([name, value]);
  console.error(`${name}: ${value}`);
};

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
await repoScale(row);
await prefixCache(row);
await bundle("dist/cli.js", ["--help"]);
await bundle("dist/index.js", []);
await bundle("dist/app.js", ["--help"]);
await (await import("./model-limiter.js")).default(row);
await (await import("./critical-path.js")).criticalPath(row);
await (await import("./app.js")).default(row);
await (await import("./spawn-cost.js")).default(row);
console.log("| measure | value |\n|---|---|");
for (const [name, value] of rows) console.log(`| ${name} | ${value} |`);
