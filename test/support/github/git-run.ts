import { spawn } from "node:child_process";

/** Environment for every git run: nothing inherited that could point git elsewhere (GIT_DIR from a hook…). */
export function gitEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: process.env.HOME ?? "/tmp",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_TERMINAL_PROMPT: "0",
    LANG: "C",
    ...extra,
  };
}

export interface GitResult {
  stdout: Buffer;
  stderr: string;
  code: number;
}

export function runGit(gitDir: string, args: string[], options: { input?: Buffer | string; env?: Record<string, string>; allowFailure?: boolean } = {}): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = spawn("git", ["--git-dir", gitDir, ...args], { env: gitEnv(options.env), stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout?.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr?.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      const result = { stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr).toString("utf8"), code: code ?? -1 };
      if (result.code !== 0 && !options.allowFailure) reject(new Error(`git ${args.join(" ")} failed (${result.code}): ${result.stderr.trim()}`));
      else resolve(result);
    });
    if (child.stdin && options.input !== undefined) {
      child.stdin.on("error", () => undefined); // git may exit before reading it all; its exit code tells
      child.stdin.end(options.input);
    }
  });
}
