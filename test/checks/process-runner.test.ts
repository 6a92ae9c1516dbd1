import { readFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CancelledError } from "../../src/core/errors.js";
import { maskSecrets } from "../../src/core/checks/process-runner.js";
import { createSandbox } from "../../src/core/checks/sandbox.js";
import { scrubEnvironment } from "../../src/core/checks/sandbox-environment.js";
import { checksRunner } from "../support/checks-runner.js";

const runner = await checksRunner();

let dir: string;
const strayPids: number[] = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "crew-proc-test-"));
});

afterAll(async () => {
  for (const pid of strayPids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  await rm(dir, { recursive: true, force: true });
});

/** A zombie (killed, not yet reaped by init) counts as dead. */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/^\d+ \(.*\) [ZX]/.test(stat);
  } catch {
    return false;
  }
}

async function waitUntilDead(pid: number, ms = 3000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (!isAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !isAlive(pid);
}

describe("Sandbox.run (weak tier: the process handling every tier shares)", () => {
  it("returns the exit code and interleaved stdout and stderr", async () => {
    const result = await runner.run({ command: "echo out; echo err >&2; exit 3", cwd: dir, timeoutMs: 10_000 });
    expect(result.exitCode).toBe(3);
    expect(result.timedOut).toBe(false);
    expect(result.output).toContain("out\n");
    expect(result.output).toContain("err\n");
    expect(result.truncated).toBe(false);
  });

  it("runs an argv command without a shell", async () => {
    const result = await runner.run({ command: ["node", "-e", "console.log(process.argv[1])", "$HOME; echo hi"], cwd: dir, timeoutMs: 10_000 });
    expect(result.exitCode).toBe(0);
    expect(result.output.trim()).toBe("$HOME; echo hi");
  });

  it("reports a command that cannot start instead of throwing", async () => {
    const result = await runner.run({ command: ["definitely-not-a-command-xyz"], cwd: dir, timeoutMs: 10_000 });
    expect(result.exitCode).toBeNull();
    expect(result.output).toMatch(/could not start definitely-not-a-command-xyz/);
    const empty = await runner.run({ command: [], cwd: dir, timeoutMs: 10_000 });
    expect(empty.exitCode).toBeNull();
    expect(empty.output).toMatch(/could not start/);
  });

  it("kills a hanging command within the timeout plus a few seconds", async () => {
    const started = Date.now();
    const result = await runner.run({ command: "echo begin; sleep 60", cwd: dir, timeoutMs: 500 });
    expect(result.timedOut).toBe(true);
    expect(result.exitCode).toBeNull();
    expect(result.output).toContain("begin");
    expect(Date.now() - started).toBeLessThan(500 + 5000);
  });

  it("kills a command that ignores SIGTERM and a grandchild holding stdout", async () => {
    const pidFile = path.join(dir, "grandchild.pid");
    const started = Date.now();
    const result = await runner.run({
      command: `trap '' TERM; sleep 60 & echo $! > ${pidFile}; while true; do sleep 1; done`,
      cwd: dir,
      timeoutMs: 500,
    });
    expect(result.timedOut).toBe(true);
    expect(result.signal).toBe("SIGKILL");
    expect(Date.now() - started).toBeLessThan(500 + 6000);
    const grandchild = Number((await readFile(pidFile, "utf8")).trim());
    expect(await waitUntilDead(grandchild)).toBe(true);
  });

  it("settles when a finished command leaves a background process holding stdout, and stops it", async () => {
    const pidFile = path.join(dir, "daemon.pid");
    const started = Date.now();
    const result = await runner.run({ command: `sleep 60 & echo $! > ${pidFile}; echo done`, cwd: dir, timeoutMs: 30_000 });
    expect(result.exitCode).toBe(0);
    expect(result.output).toContain("done");
    expect(Date.now() - started).toBeLessThan(5000);
    const daemon = Number((await readFile(pidFile, "utf8")).trim());
    expect(await waitUntilDead(daemon)).toBe(true);
  });

  it("settles even when a daemon that left the process group keeps stdout open", async () => {
    const pidFile = path.join(dir, "setsid.pid");
    const started = Date.now();
    const result = await runner.run({ command: `setsid sleep 60 & echo $! > ${pidFile}; echo started`, cwd: dir, timeoutMs: 30_000 });
    strayPids.push(Number((await readFile(pidFile, "utf8")).trim()));
    expect(result.exitCode).toBe(0);
    expect(result.output).toContain("started");
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("hides credentials from the command's environment and masks secrets in its output", async () => {
    const secret = "sk-live-0123456789abcdef";
    // The operator's environment is what the sandbox is built from; no command sees the ambient process.env.
    const sandbox = await createSandbox({
      maxTier: "weak",
      secrets: [secret],
      environment: {
        PATH: process.env.PATH,
        HOME: "/home/someone",
        LANG: "C.UTF-8",
        GITHUB_TOKEN: "ghs_abcdefabcdef",
        OPENAI_API_KEY: "sk-openai-xyz",
        "INPUT_API-KEY": "input-key-value",
        DATABASE_URL: `postgres://u:${secret}@db/x`,
        INNOCENT_NAME: secret,
        KEEP_ME: "visible",
      },
    });
    const result = await sandbox.run({
      command: `env; echo "printed: ${secret}"`,
      cwd: dir,
      timeoutMs: 10_000,
      secrets: [secret],
      env: { EXTRA_TOKEN: "x", ADDED: `has ${secret}`, PLAIN: "yes" },
    });
    expect(result.exitCode).toBe(0);
    expect(result.output).not.toContain(secret);
    expect(result.output).toContain("printed: ***");
    for (const name of ["GITHUB_TOKEN", "OPENAI_API_KEY", "INPUT_API-KEY", "DATABASE_URL", "INNOCENT_NAME", "ghs_abcdefabcdef", "sk-openai-xyz"]) {
      expect(result.output).not.toContain(name);
    }
    for (const name of ["EXTRA_TOKEN", "ADDED"]) expect(result.output).not.toContain(`${name}=`);
    for (const line of ["KEEP_ME=visible", "LANG=C.UTF-8", "CI=true", "GIT_TERMINAL_PROMPT=0", "PLAIN=yes"]) {
      expect(result.output).toContain(line);
    }
    // The real HOME (where credential files live) is replaced by an empty one; see sandbox.test.ts.
    expect(result.output).not.toContain("HOME=/home/someone");
  });

  it("keeps the head and the tail of long output with a marker between", async () => {
    const script = "process.stdout.write('HEAD-START\\n' + 'x'.repeat(200000) + '\\nTAIL-END\\n')";
    const result = await runner.run({ command: ["node", "-e", script], cwd: dir, timeoutMs: 10_000, maxOutputBytes: 4096 });
    expect(result.truncated).toBe(true);
    expect(result.output.startsWith("HEAD-START")).toBe(true);
    expect(result.output.endsWith("TAIL-END\n")).toBe(true);
    expect(result.output).toMatch(/bytes of output omitted/);
    expect(result.output.length).toBeLessThan(4096 + 200);
  });

  it("hands every line to onLine, masked, including the ones the capped output leaves out", async () => {
    const script = "for (let i = 0; i < 5000; i++) console.log('line ' + i + (i === 2500 ? ' secret-value-9876' : '')); process.stderr.write('last without newline')";
    const lines: string[] = [];
    const result = await runner.run({
      command: ["node", "-e", script],
      cwd: dir,
      timeoutMs: 10_000,
      maxOutputBytes: 2048,
      secrets: ["secret-value-9876"],
      onLine: (line) => lines.push(line),
    });
    expect(result.truncated).toBe(true);
    expect(result.output).not.toContain("line 2500");
    expect(lines).toContain("line 2500 ***");
    expect(lines.filter((line) => line.startsWith("line "))).toHaveLength(5000);
    expect(lines).toContain("last without newline");
  });

  it("stops the command and rejects with CancelledError when the run is cancelled", async () => {
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 200);
    await expect(runner.run({ command: "sleep 60", cwd: dir, timeoutMs: 60_000, signal: controller.signal })).rejects.toBeInstanceOf(CancelledError);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe("scrubEnvironment", () => {
  it("drops credential names and secret values and keeps the rest", () => {
    const env = scrubEnvironment(
      {
        PATH: "/bin",
        HOME: "/h",
        LANG: "C",
        GH_TOKEN: "1",
        ANTHROPIC_API_KEY: "2",
        AZURE_OPENAI_API_KEY: "3",
        OPENROUTER_API_KEY: "4",
        ACTIONS_RUNTIME_TOKEN: "5",
        ACTIONS_CACHE_URL: "6",
        INPUT_MODEL: "7",
        CODEGEN_API_KEY: "8",
        NPM_TOKEN: "9",
        CLIENT_SECRET: "10",
        AWS_SECRET_ACCESS_KEY: "11",
        DB_PASSWORD: "12",
        my_api_key: "13",
        OTHER: "the-secret-value",
      },
      ["the-secret-value"],
    );
    expect(env).toEqual({ PATH: "/bin", HOME: "/h", LANG: "C" });
  });

  it("masks a secret cut in half at a truncation edge", () => {
    const secret = "abcdefghijklmnop";
    expect(maskSecrets("log ... abcdefgh", [secret], { end: true })).toBe("log ... ***");
    expect(maskSecrets("ijklmnop and more", [secret], { start: true })).toBe("*** and more");
    expect(maskSecrets("x abcdefghijklmnop y", [secret])).toBe("x *** y");
  });
});
