import { execFile } from "node:child_process";
import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const IDENTITY = ["-c", "user.name=test", "-c", "user.email=test@example.invalid", "-c", "commit.gpgsign=false", "-c", "gc.auto=0"];

/** git in a test repository, with a fixed identity and no user hooks. */
export async function git(dir: string, ...args: string[]): Promise<string> {
  const { stdout } = await run("git", [...IDENTITY, "-c", "core.hooksPath=/dev/null", ...args], { cwd: dir });
  return stdout.trim();
}

/** A real repository in a temp folder with `files` committed on main. */
export async function createTempRepo(files: Record<string, string>): Promise<{ dir: string; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "codegen-crew-test-"));
  await writeFiles(dir, files);
  await git(dir, "init", "-q", "-b", "main");
  await git(dir, "add", "-A");
  await git(dir, "commit", "-q", "-m", "initial");
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true, maxRetries: 3 }) };
}

export async function writeFiles(dir: string, files: Record<string, string>): Promise<void> {
  for (const [relative, content] of Object.entries(files)) {
    const file = path.join(dir, relative);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, content);
  }
}
