import { readFile } from "node:fs/promises";
import path from "node:path";
import { parseAllDocuments } from "yaml";
import type { CheckResult } from "../report/run-report.js";
import type { CommandRunner } from "./command-runner.js";
import type { SyntaxMemo, SyntaxVerdict } from "./syntax-memo.js";
import { checkJavaScript } from "./javascript-syntax.js";
import { parseWithTypeScript } from "./typescript-check.js";

/**
 * A fast first check of the changed files with each language's real parser, so a broken file is named
 * precisely before any test runs. A file is only ever reported as checked when a parser looked at it.
 */

export interface SyntaxCheckOptions {
  runner: CommandRunner;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** The run's earlier verdicts: files unchanged since they were parsed are not parsed again. */
  memo?: SyntaxMemo;
}

type Verdict = SyntaxVerdict;
type Checker = (dir: string, files: string[], opts: SyntaxCheckOptions) => Promise<Map<string, Verdict>>;

const DEFAULT_TIMEOUT_MS = 60_000;
/** JSON dialects that allow comments; plain JSON.parse would call them broken. */
const JSONC_FILE = /(^|\/)(tsconfig[^/]*|jsconfig[^/]*|\.eslintrc|devcontainer)\.json$|(^|\/)\.vscode\/[^/]+\.json$/;

const CHECKERS: Record<string, Checker> = {
  json: perFile(checkJson),
  yaml: perFile(checkYaml),
  javascript: (dir, files, opts) => checkJavaScript(dir, files, { ...opts, timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS }),
  python: checkPython,
  typescript: (dir, files) => parseWithTypeScript(dir, files),
};

function languageOf(file: string): keyof typeof CHECKERS | null {
  const ext = path.posix.extname(file).toLowerCase();
  if (ext === ".json") return "json";
  if (ext === ".yml" || ext === ".yaml") return "yaml";
  if (ext === ".js" || ext === ".mjs" || ext === ".cjs") return "javascript";
  if (ext === ".py") return "python";
  if (ext === ".ts" || ext === ".tsx" || ext === ".mts" || ext === ".cts" || ext === ".jsx") return "typescript";
  return null;
}

export async function checkSyntax(runner: CommandRunner, dir: string, files: string[], opts: Omit<SyntaxCheckOptions, "runner"> = {}): Promise<CheckResult> {
  const started = Date.now();
  const byLanguage = new Map<string, string[]>();
  const unchecked: string[] = [];
  for (const file of [...new Set(files)]) {
    const language = languageOf(file);
    if (language) byLanguage.set(language, [...(byLanguage.get(language) ?? []), file]);
    else unchecked.push(`${file} (no syntax checker for this file type)`);
  }

  const failures: string[] = [];
  const checked: string[] = [];
  for (const [language, group] of byLanguage) {
    const verdicts = await verdictsFor(language, dir, group, { ...opts, runner });
    for (const file of group) {
      const verdict = verdicts.get(file) ?? { checked: false, reason: "not checked" };
      if (verdict.checked) {
        checked.push(file);
        failures.push(...verdict.failures);
      } else unchecked.push(`${file} (${verdict.reason})`);
    }
  }

  const status = failures.length > 0 ? "fail" : checked.length > 0 ? "pass" : "skipped";
  const lines = [
    checked.length ? `Checked ${checked.length} file(s): ${checked.join(", ")}` : "No changed file could be checked.",
    ...(failures.length ? ["Syntax errors:", ...failures.map((f) => `  ${f}`)] : []),
    ...(unchecked.length ? ["Not checked:", ...unchecked.map((u) => `  ${u}`)] : []),
  ];
  return {
    name: "syntax",
    kind: "syntax",
    status,
    exitCode: null,
    durationMs: Date.now() - started,
    output: lines.join("\n"),
    failures,
    preExistingFailures: [],
    notes: [],
    // node and python3 parse inside the sandbox; JSON, YAML and TypeScript are parsed in-process.
    ...(byLanguage.has("javascript") || byLanguage.has("python") ? { sandbox: runner.record } : {}),
  };
}

/** The checker's verdicts, with the files the memo already knows left out of the parse. */
async function verdictsFor(language: string, dir: string, files: string[], opts: SyntaxCheckOptions): Promise<Map<string, Verdict>> {
  const { memo } = opts;
  if (!memo) return CHECKERS[language]!(dir, files, opts);
  const keys = new Map<string, string | null>();
  for (const file of files) keys.set(file, await memo.keyOf(dir, file, language === "javascript"));
  const verdicts = new Map<string, Verdict>();
  const unknown = files.filter((file) => {
    const known = memo.get(keys.get(file) ?? null);
    if (known) verdicts.set(file, known);
    return !known;
  });
  if (unknown.length) {
    for (const [file, verdict] of await CHECKERS[language]!(dir, unknown, opts)) {
      verdicts.set(file, verdict);
      memo.remember(keys.get(file) ?? null, verdict);
    }
  }
  return verdicts;
}

function perFile(check: (file: string, text: string) => string[] | { skip: string }): Checker {
  return async (dir, files) => {
    const verdicts = new Map<string, Verdict>();
    for (const file of files) {
      const text = await readFile(path.join(dir, file), "utf8").catch(() => null);
      if (text === null) {
        verdicts.set(file, { checked: false, reason: "file not found" });
        continue;
      }
      const outcome = check(file, text);
      verdicts.set(file, Array.isArray(outcome) ? { checked: true, failures: outcome } : { checked: false, reason: outcome.skip });
    }
    return verdicts;
  };
}

function checkJson(file: string, text: string): string[] | { skip: string } {
  if (JSONC_FILE.test(file)) return { skip: "JSON with comments is not checked" };
  try {
    JSON.parse(text.replace(/^\uFEFF/, ""));
    return [];
  } catch (error) {
    const message = (error as Error).message;
    const position = /at position (\d+)/.exec(message);
    const explicitLine = /line (\d+)/.exec(message);
    const line = explicitLine ? Number(explicitLine[1]) : position ? lineAt(text, Number(position[1])) : 1;
    return [`${file}:${line}: ${message.split("\n")[0]}`];
  }
}

function checkYaml(file: string, text: string): string[] {
  return parseAllDocuments(text, { prettyErrors: false }).flatMap((doc) =>
    doc.errors.map((error) => `${file}:${error.linePos?.[0].line ?? lineAt(text, error.pos[0])}: ${error.message.split("\n")[0]}`),
  );
}

function lineAt(text: string, offset: number): number {
  return text.slice(0, offset).split("\n").length;
}

/**
 * compile() is what py_compile uses, without writing a .pyc next to the file (that would become a
 * stray change in the worktree). One interpreter checks all files.
 */
const PYTHON_CHECK = `
import sys
for name in sys.argv[1:]:
    try:
        with open(name, "rb") as handle:
            compile(handle.read(), name, "exec", dont_inherit=True)
        print("ok\\t" + name)
    except SyntaxError as error:
        print("error\\t%s:%s: %s: %s" % (name, error.lineno or 1, type(error).__name__, error.msg))
    except (OSError, ValueError) as error:
        print("missing\\t" + name)
`;

async function checkPython(dir: string, files: string[], opts: SyntaxCheckOptions): Promise<Map<string, Verdict>> {
  const result = await opts.runner.run({
    command: ["python3", "-c", PYTHON_CHECK, ...files],
    cwd: dir,
    timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  const verdicts = new Map<string, Verdict>();
  if (result.exitCode !== 0) {
    const reason = /could not start|ENOENT|not found/.test(result.output) ? "python3 is not installed" : "python3 failed to run";
    for (const file of files) verdicts.set(file, { checked: false, reason });
    return verdicts;
  }
  for (const line of result.output.split("\n")) {
    const [state, rest = ""] = line.split("\t");
    if (state === "ok") verdicts.set(rest, { checked: true, failures: [] });
    else if (state === "missing") verdicts.set(rest, { checked: false, reason: "file not found" });
    else if (state === "error") verdicts.set(rest.slice(0, rest.search(/:\d+: /)), { checked: true, failures: [rest] });
  }
  return verdicts;
}
