import { execFile } from "node:child_process";

/**
 * Trusted work on the host (reading git config, asking whether a tool is installed): our own fixed argv,
 * never a command line from the repository, run with a minimal fixed environment rather than the ambient
 * one. Untrusted commands go through the Sandbox instead.
 */

export interface HostResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

export const HOST_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

export function runHostCommand(file: string, args: string[], opts: { cwd?: string; timeoutMs?: number; path?: string } = {}): Promise<HostResult> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { cwd: opts.cwd ?? "/", timeout: opts.timeoutMs ?? 30_000, maxBuffer: 16 * 1024 * 1024, env: { PATH: opts.path ?? HOST_PATH, LANG: "C.UTF-8", LC_ALL: "C.UTF-8" } },
      (error, stdout, stderr) => {
        const code = error ? (typeof (error as { code?: unknown }).code === "number" ? (error as { code: number }).code : null) : 0;
        resolve({ exitCode: code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}
