import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { SuiteError } from "../errors.js";
import { parseTaskLine, type EvalTask } from "./task-format.js";

/**
 * Reads the tasks of a suite: a folder with `tasks.jsonl` (repos relative to the folder), or a SWE-bench
 * file whose `repo` ("owner/name") is a clone under `reposDir/owner__name`.
 */

export const TASKS_FILE = "tasks.jsonl";

export async function loadSuite(suiteDir: string, only?: string[]): Promise<EvalTask[]> {
  const file = path.join(suiteDir, TASKS_FILE);
  const text = await readText(file);
  const tasks = parseLines(text, file, (repo) => path.resolve(suiteDir, repo));
  return select(tasks, only, file);
}

export async function loadSweBench(file: string, reposDir: string, options: { testCommand?: string; only?: string[] } = {}): Promise<EvalTask[]> {
  const text = await readText(file);
  const tasks = parseLines(text, file, (repo) => path.resolve(reposDir, repo.replace("/", "__")), options.testCommand ? { test_command: options.testCommand } : {});
  return select(tasks, options.only, file);
}

function parseLines(text: string, file: string, resolveRepo: (repo: string) => string, defaults: { test_command?: string } = {}): EvalTask[] {
  const tasks: EvalTask[] = [];
  const seen = new Map<string, number>();
  for (const [index, raw] of text.split("\n").entries()) {
    if (!raw.trim()) continue;
    const line = index + 1;
    const task = parseTaskLine(raw, { file, line }, resolveRepo, defaults);
    const earlier = seen.get(task.instance_id);
    if (earlier !== undefined) {
      throw new SuiteError(`${file}:${line}: field "instance_id" repeats ${task.instance_id} from line ${earlier}`, { file, line, key: "instance_id" });
    }
    seen.set(task.instance_id, line);
    tasks.push(task);
  }
  if (tasks.length === 0) throw new SuiteError(`${file}: no tasks`, { file });
  return tasks;
}

function select(tasks: EvalTask[], only: string[] | undefined, file: string): EvalTask[] {
  if (!only || only.length === 0) return tasks;
  const known = new Set(tasks.map((task) => task.instance_id));
  const unknown = only.filter((id) => !known.has(id));
  if (unknown.length) throw new SuiteError(`${file}: no task with instance_id ${unknown.join(", ")}`, { file, key: "instance_id" });
  const wanted = new Set(only);
  return tasks.filter((task) => wanted.has(task.instance_id));
}

async function readText(file: string): Promise<string> {
  try {
    if (!(await stat(file)).isFile()) throw new SuiteError(`${file}: not a file`, { file });
    return await readFile(file, "utf8");
  } catch (error) {
    if (error instanceof SuiteError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new SuiteError(`${file}: ${code === "ENOENT" ? "no such file (a suite is a folder with tasks.jsonl)" : (error as Error).message}`, { file });
  }
}
