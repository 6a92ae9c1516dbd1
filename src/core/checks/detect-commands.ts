import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { runHostCommand } from "./host-command.js";
import { pathExists } from "./path-exists.js";

/**
 * Finds how a repository checks itself. The configuration always wins; otherwise the repository's own
 * conventions decide, and `source` records which one so the report can say why a command ran.
 */

export interface DetectedCommand {
  command: string;
  /** Where the command came from: "config", "package.json scripts.test", "go.mod", … */
  source: string;
}

export interface CheckCommands {
  test?: DetectedCommand;
  lint?: DetectedCommand;
  typecheck?: DetectedCommand;
}

/** What `npm init` writes when a package has no tests; running it would only ever fail. */
const NPM_PLACEHOLDER_TEST = /no test specified/i;
const SKIPPED_DIRS = new Set(["node_modules", "venv", ".venv", "env", "__pycache__", "dist", "build", "site-packages", ".tox"]);

export async function detectCheckCommands(dir: string, config: { test?: string; lint?: string }): Promise<CheckCommands> {
  const found: CheckCommands = {};
  const scripts = await packageScripts(dir);

  if (config.test) found.test = { command: config.test, source: "config" };
  else if (scripts.test && !NPM_PLACEHOLDER_TEST.test(scripts.test)) found.test = { command: "npm test", source: "package.json scripts.test" };
  else {
    const other = await detectTestCommand(dir);
    if (other) found.test = other;
  }

  if (config.lint) found.lint = { command: config.lint, source: "config" };
  else if (scripts.lint) found.lint = { command: "npm run lint --silent", source: "package.json scripts.lint" };

  if (scripts.typecheck) found.typecheck = { command: "npm run typecheck --silent", source: "package.json scripts.typecheck" };
  return found;
}

async function packageScripts(dir: string): Promise<Record<string, string>> {
  try {
    const manifest: unknown = JSON.parse(await readFile(path.join(dir, "package.json"), "utf8"));
    const scripts = (manifest as { scripts?: unknown }).scripts;
    if (!scripts || typeof scripts !== "object") return {};
    return Object.fromEntries(Object.entries(scripts).filter((entry): entry is [string, string] => typeof entry[1] === "string" && entry[1].trim() !== ""));
  } catch {
    return {};
  }
}

async function detectTestCommand(dir: string): Promise<DetectedCommand | null> {
  const python = await detectPython(dir);
  if (python) return python;
  if (await pathExists(path.join(dir, "go.mod"))) return { command: "go test ./...", source: "go.mod" };
  if (await pathExists(path.join(dir, "Cargo.toml"))) return { command: "cargo test", source: "Cargo.toml" };
  return null;
}

async function detectPython(dir: string): Promise<DetectedCommand | null> {
  const testFiles = await findPythonTests(dir, 3);
  if (testFiles.length === 0) return null;
  if (await pytestAvailable()) return { command: "python3 -m pytest -q", source: `pytest (found ${describeFiles(testFiles)})` };
  const unittestFiles = testFiles.filter((file) => path.posix.basename(file).startsWith("test"));
  if (unittestFiles.length === 0) return null;
  return { command: await unittestCommand(dir, unittestFiles), source: `unittest (found ${describeFiles(unittestFiles)})` };
}

/**
 * unittest discovery only descends into packages, so tests kept in a plain "tests/" folder (no
 * __init__.py) are found only when discovery starts there; `python -m` keeps the root importable.
 */
async function unittestCommand(dir: string, files: string[]): Promise<string> {
  const base = "python3 -m unittest discover -v";
  if (files.some((file) => !file.includes("/"))) return base;
  const folder = files[0]!.split("/")[0]!;
  if (await pathExists(path.join(dir, folder, "__init__.py"))) return base;
  return `${base} -s ${folder}`;
}

/** Relative paths of test_*.py, test*.py and *_test.py files, nearest first. */
async function findPythonTests(dir: string, depth: number, prefix = ""): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(path.join(dir, prefix), { withFileTypes: true });
  } catch {
    return [];
  }
  const files: string[] = [];
  const folders: string[] = [];
  for (const entry of entries) {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isFile() && /^(test.*|.*_test)\.py$/.test(entry.name)) files.push(relative);
    else if (entry.isDirectory() && depth > 0 && !entry.name.startsWith(".") && !SKIPPED_DIRS.has(entry.name)) folders.push(relative);
  }
  for (const folder of folders.sort()) files.push(...(await findPythonTests(dir, depth - 1, folder)));
  return files;
}

/**
 * Asked on the host, outside the repository (cwd "/"), so that a `pytest.py` or `conftest.py` the change
 * planted is never what gets imported: the answer is about the installed toolchain only.
 */
async function pytestAvailable(): Promise<boolean> {
  const result = await runHostCommand("python3", ["-I", "-c", "import pytest"], { timeoutMs: 15_000 });
  return result.exitCode === 0;
}

function describeFiles(files: string[]): string {
  return files.length === 1 ? files[0]! : `${files[0]} and ${files.length - 1} more`;
}
