import { execFile } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { execShort, type ExecRequest } from "../../src/core/process/spawner.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const request = (file: string, args: string[], more: Partial<ExecRequest> = {}): ExecRequest => ({
  file,
  args,
  cwd: "/",
  env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
  timeoutMs: 10_000,
  maxBuffer: 1024 * 1024,
  ...more,
});

/** The helper process: a child of this one running node with the helper script. */
async function helperPids(): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => "");
    const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    const cmdline = await readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => "");
    if (parent === process.pid && cmdline.includes("execFile(file, args")) pids.push(Number(entry));
  }
  return pids;
}

describe("short commands started by the helper process", () => {
  it("answers as execFile would: output, exit codes, a missing program, a timeout, the output cap", async () => {
    expect(await execShort(request("sh", ["-c", "printf 'out ü'; printf err >&2"]))).toEqual({ code: 0, stdout: "out ü", stderr: "err" });
    expect(await execShort(request("sh", ["-c", "exit 3"]))).toMatchObject({ code: 3 });
    expect(await execShort(request("sh", ["-c", "pwd; echo $ONLY"], { cwd: "/tmp", env: { PATH: "/usr/bin:/bin", ONLY: "this" } }))).toMatchObject({ stdout: "/tmp\nthis\n" });
    expect(await execShort(request("no-such-program-here", []))).toMatchObject({ code: null, failure: expect.stringContaining("ENOENT") });
    expect(await execShort(request("sleep", ["5"], { timeoutMs: 200 }))).toMatchObject({ code: null, failure: "timed out" });
    expect(await execShort(request("head", ["-c", "5000", "/dev/zero"], { maxBuffer: 1000 }))).toMatchObject({ code: null, failure: expect.stringContaining("maxBuffer") });
    // Several at once, each with its own answer.
    const many = await Promise.all([1, 2, 3, 4, 5].map((n) => execShort(request("sh", ["-c", `sleep 0.0${5 - n}; echo ${n}`]))));
    expect(many.map((m) => m.stdout.trim())).toEqual(["1", "2", "3", "4", "5"]);
    // By now the helper has long said it is ready: a command's parent is the helper, not this process.
    const parent = Number((await execShort(request("sh", ["-c", "echo $PPID"]))).stdout);
    expect(await helperPids()).toContain(parent);
  });

  // The helper's own start (~40 ms of CPU) must not delay a run's first commands (the clone).
  it("starts the first commands itself, before the helper is ready", async () => {
    const script = `import { execShort } from ${JSON.stringify(path.join(ROOT, "src/core/process/spawner.ts"))};
const r = await execShort({ file: "sh", args: ["-c", "echo $PPID"], cwd: "/", env: { PATH: "/usr/bin:/bin" }, timeoutMs: 5000, maxBuffer: 1024 });
console.log(Number(r.stdout) === process.pid ? "started-here" : "started-elsewhere");`;
    const out = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { cwd: ROOT, timeout: 20_000 }, (error, stdout) =>
        error ? reject(error) : resolve(stdout),
      ),
    );
    expect(out.trim()).toBe("started-here");
  });

  it("starts commands itself when the helper is gone, and the helper never keeps a process alive", async () => {
    await execShort(request("true", []));
    for (const pid of await helperPids()) process.kill(pid, "SIGKILL");
    expect(await execShort(request("sh", ["-c", "echo still"]))).toMatchObject({ code: 0, stdout: "still\n" });

    // A process whose last command has answered ends by itself, and ends its helper first (no orphan).
    const script = `import { existsSync, readdirSync, readFileSync } from "node:fs";
import { execShort } from ${JSON.stringify(path.join(ROOT, "src/core/process/spawner.ts"))};
const r = await execShort({ file: "echo", args: ["hi"], cwd: "/", env: { PATH: "/usr/bin:/bin" }, timeoutMs: 5000, maxBuffer: 1024 });
const helper = readdirSync("/proc").filter((p) => /^[0-9]+$/.test(p)).find((p) => {
  const stat = readFileSync("/proc/" + p + "/stat", "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === process.pid && readFileSync("/proc/" + p + "/cmdline", "utf8").includes("execFile(file, args");
});
process.on("exit", () => console.log(r.stdout.trim(), helper, existsSync("/proc/" + helper) ? "helper-alive" : "helper-gone"));`;
    const out = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { cwd: ROOT, timeout: 20_000 }, (error, stdout) =>
        error ? reject(error) : resolve(stdout),
      ),
    );
    const [said, helper, atExit] = out.trim().split(" ");
    expect(said).toBe("hi");
    expect(Number(helper)).toBeGreaterThan(0);
    expect(atExit).toBe("helper-gone");
  });
});
