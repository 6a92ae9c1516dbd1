// CPU time of a whole process tree: a tiny wrapper process starts the real command, waits for it, and reports
// its children's user + system time from /proc/self/stat (cutime, cstime: every waited-for descendant
// counts). The wrapper's own start-up is not in the figure. Linux only; elsewhere the figure is absent.
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

const WRAPPER = `#!${process.execPath}
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
const result = spawnSync(${JSON.stringify(process.execPath)}, process.argv.slice(2), { stdio: "inherit" });
const fields = readFileSync("/proc/self/stat", "utf8").split(") ")[1].split(" ");
// cutime and cstime are fields 16 and 17 of the line; after "pid (comm) " the state (field 3) is index 0.
writeFileSync(process.env.CPU_TREE_OUT, String((Number(fields[16 - 3]) + Number(fields[17 - 3])) * (1000 / 100)));
process.exit(result.status ?? 1);
`;

export interface CpuTree {
  /** Use as the "node" executable of the command to measure. */
  node: string;
  /** Environment the wrapper needs. */
  env: Record<string, string>;
  /** CPU milliseconds of the last command run through `node`. */
  lastMs(): Promise<number>;
  close(): Promise<void>;
}

export async function cpuTree(): Promise<CpuTree | undefined> {
  if (process.platform !== "linux") return undefined;
  const dir = await mkdtemp(path.join(os.tmpdir(), "codegen-crew-cpu-"));
  const node = path.join(dir, "node-cpu.mjs");
  const out = path.join(dir, "cpu-ms");
  await writeFile(node, WRAPPER);
  await chmod(node, 0o755);
  return {
    node,
    env: { CPU_TREE_OUT: out },
    lastMs: async () => Number(await readFile(out, "utf8")),
    close: () => rm(dir, { recursive: true, force: true }),
  };
}
