import { execShort } from "../process/spawner.js";

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

export async function runHostCommand(file: string, args: string[], opts: { cwd?: string; timeoutMs?: number; path?: string } = {}): Promise<HostResult> {
  const outcome = await execShort({
    file,
    args,
    cwd: opts.cwd ?? "/",
    env: { PATH: opts.path ?? HOST_PATH, LANG: "C.UTF-8", LC_ALL: "C.UTF-8" },
    timeoutMs: opts.timeoutMs ?? 30_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  return { exitCode: outcome.code, stdout: outcome.stdout, stderr: outcome.stderr };
}
