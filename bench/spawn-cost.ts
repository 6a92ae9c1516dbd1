// What one child process costs its parent as the parent grows (issue 10's suite time, issue 9's 20 ÷ 1): every
// check, git call and sandbox launch is a spawn, and on this VM copying the parent's page tables dominates.
// Each size runs in a fresh node process holding that many MiB of touched memory.
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const exec = promisify(execFile);
const SPAWNS = 50;

const PROBE = `
const { spawn } = require("node:child_process");
const held = [];
for (let i = 0; i < Number(process.argv[1]); i++) held.push(Buffer.alloc(1024 * 1024, 1));
(async () => {
  const started = performance.now();
  for (let i = 0; i < ${SPAWNS}; i++) await new Promise((resolve) => spawn("/bin/true").on("exit", resolve));
  console.log(JSON.stringify({ ms: (performance.now() - started) / ${SPAWNS}, rss: process.memoryUsage().rss }));
})();
`;

export default async function spawnCost(row: (name: string, value: string) => void): Promise<void> {
  const results: string[] = [];
  for (const mib of [0, 200, 800]) {
    const { stdout } = await exec(process.execPath, ["-e", PROBE, String(mib)]);
    const { ms, rss } = JSON.parse(stdout) as { ms: number; rss: number };
    results.push(`${ms.toFixed(1)} ms at ${Math.round(rss / 2 ** 20)} MiB`);
  }
  row(`spawn of /bin/true from node, by the parent's RSS (mean of ${SPAWNS})`, results.join("; "));
}
