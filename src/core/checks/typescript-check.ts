import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type * as TS from "typescript";
import type { CheckResult } from "../report/run-report.js";
import type { CommandRunner } from "./command-runner.js";
import { maskSecrets } from "./process-runner.js";
import { pathExists } from "./path-exists.js";

/**
 * TypeScript, twice: a parse of each changed file through the compiler API (part of the syntax check),
 * and the project's own `tsc --noEmit` (the "typecheck" check) when the repository can type-check itself.
 */

type TypeScriptModule = typeof TS;

export type ParseVerdict = { checked: true; failures: string[] } | { checked: false; reason: string };

/**
 * TypeScript is loaded at run time from the target repository or from our own node_modules, never
 * bundled: it is large, and the repository's own version knows its own syntax best. The specifier is
 * resolved to a path first so bundlers leave the import alone.
 */
export async function loadTypeScript(dir: string): Promise<TypeScriptModule | null> {
  for (const base of [path.join(dir, "package.json"), import.meta.url]) {
    try {
      const resolved = createRequire(base).resolve("typescript");
      const loaded = (await import(pathToFileURL(resolved).href)) as { default?: TypeScriptModule } & TypeScriptModule;
      const ts = loaded.default ?? loaded;
      if (typeof ts.transpileModule === "function") return ts;
    } catch {
      // Not installed there; try the next place.
    }
  }
  return null;
}

/**
 * Parse diagnostics only (transpileModule reports syntactic diagnostics, no type checking) for .ts, .tsx,
 * .mts, .cts, .jsx, and .js files that contain JSX (which node cannot parse).
 */
export async function parseWithTypeScript(dir: string, files: string[]): Promise<Map<string, ParseVerdict>> {
  const verdicts = new Map<string, ParseVerdict>();
  const ts = await loadTypeScript(dir);
  for (const file of files) {
    if (!ts) {
      verdicts.set(file, { checked: false, reason: "typescript is not installed" });
      continue;
    }
    const text = await readFile(path.join(dir, file), "utf8").catch(() => null);
    if (text === null) {
      verdicts.set(file, { checked: false, reason: "file not found" });
      continue;
    }
    const output = ts.transpileModule(text, {
      fileName: file,
      reportDiagnostics: true,
      compilerOptions: { jsx: ts.JsxEmit.Preserve, allowJs: true },
    });
    const failures = (output.diagnostics ?? []).map((diagnostic) => {
      const line = diagnostic.file && diagnostic.start !== undefined ? diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start).line + 1 : 1;
      return `${file}:${line}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, " ")}`;
    });
    verdicts.set(file, { checked: true, failures });
  }
  return verdicts;
}

export interface TypecheckOptions {
  timeoutMs: number;
  secrets?: string[];
  signal?: AbortSignal;
}

const MAX_REPORTED = 20;
/** `src/a.ts(3,7): error TS2322: Type …` as printed with --pretty false. */
const TSC_DIAGNOSTIC = /^(.+?)\((\d+),\d+\): error (TS\d+): (.*)$/;
const TSC_GLOBAL = /^error (TS\d+): (.*)$/;

/**
 * `tsc --noEmit -p .` with the repository's own TypeScript, as check "typecheck". Returns null when the
 * repository is not a TypeScript project (no tsconfig.json); "skipped" with the reason when it is but
 * its TypeScript is not installed, because a type check that did not run must never read as passed.
 */
export async function runTypecheck(runner: CommandRunner, dir: string, opts: TypecheckOptions): Promise<CheckResult | null> {
  if (!(await pathExists(path.join(dir, "tsconfig.json")))) return null;
  const tsc = path.join(dir, "node_modules", "typescript", "bin", "tsc");
  const shown = "tsc --noEmit -p . --pretty false";
  if (!(await pathExists(tsc))) {
    return {
      name: "typecheck",
      kind: "lint",
      command: shown,
      status: "skipped",
      exitCode: null,
      durationMs: 0,
      output: "Not run: the repository has a tsconfig.json but node_modules/typescript is not installed (dependencies not installed?).",
      failures: [],
      preExistingFailures: [],
      notes: ["typecheck skipped: typescript is not installed in the repository's node_modules"],
    };
  }
  // The repository's own compiler, run by our node: the same one `npx tsc` would pick, without npx.
  const result = await runner.run({
    command: [process.execPath, tsc, "--noEmit", "-p", ".", "--pretty", "false"],
    cwd: dir,
    timeoutMs: opts.timeoutMs,
    ...(opts.secrets ? { secrets: opts.secrets } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  // TS18003: a tsconfig.json kept for the editor in a project without TypeScript inputs; nothing was checked.
  const noInputs = result.exitCode !== 0 && /error TS18003\b/.test(result.output);
  const status = result.timedOut ? "timeout" : result.exitCode === 0 ? "pass" : noInputs ? "skipped" : "fail";
  const failures = status === "fail" ? tscFailures(result.output) : [];
  const lines = [`$ ${shown}   (the repository's node_modules/typescript)`, result.output.trimEnd()];
  if (noInputs) lines.push("[codegen-crew] tsconfig.json matches no input files, so there was nothing to type-check.");
  if (status === "timeout") lines.push(`[codegen-crew] tsc did not finish within ${opts.timeoutMs / 1000} s and was stopped.`);
  else if (status === "fail" && failures.length === 0) lines.push(`[codegen-crew] tsc exited with code ${result.exitCode}.`);
  return {
    name: "typecheck",
    kind: "lint",
    command: maskSecrets(shown, opts.secrets ?? []),
    status,
    exitCode: result.exitCode,
    durationMs: result.durationMs,
    output: lines.filter(Boolean).join("\n"),
    failures,
    preExistingFailures: [],
    notes: [result.network],
    sandbox: result.sandbox,
  };
}

/** "src/a.ts:3: TS2322: Type 'string' is not assignable to type 'number'." per error, at most 20. */
export function tscFailures(output: string): string[] {
  const found: string[] = [];
  for (const line of output.split(/\r?\n/)) {
    const located = TSC_DIAGNOSTIC.exec(line);
    const global = located ? null : TSC_GLOBAL.exec(line);
    if (located) found.push(`${located[1]}:${located[2]}: ${located[3]}: ${located[4]}`);
    else if (global) found.push(`${global[1]}: ${global[2]}`);
    if (found.length >= MAX_REPORTED) break;
  }
  return found;
}
