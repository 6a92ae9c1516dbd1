import type { CommandRunner } from "./command-runner.js";
import type { SyntaxVerdict } from "./syntax-memo.js";
import { parseWithTypeScript } from "./typescript-check.js";

/**
 * JavaScript files parsed by node's own V8 with the verdicts `node --check` gives, all in ONE sandboxed node
 * process that compiles each file through `node:vm` (nothing is linked or evaluated): a `node --check` per file
 * cost a node start each, most of the check's time. Files with JSX, which node cannot parse, go to the
 * TypeScript parser instead.
 */

export interface JavaScriptCheckOptions {
  runner: CommandRunner;
  /** For all the files together. */
  timeoutMs: number;
  signal?: AbortSignal;
}

export async function checkJavaScript(dir: string, files: string[], opts: JavaScriptCheckOptions): Promise<Map<string, SyntaxVerdict>> {
  const reports = await parseWithNode(dir, files, opts);
  const verdicts = new Map<string, SyntaxVerdict>();
  const jsx: string[] = [];
  for (const file of files) {
    const report = reports.get(file);
    if (!report) verdicts.set(file, { checked: false, reason: "node's parse did not run" });
    else if (report.status === "ok") verdicts.set(file, { checked: true, failures: [] });
    else if (report.status === "timeout") verdicts.set(file, { checked: false, reason: "node's parse timed out" });
    else if (report.status === "missing") verdicts.set(file, { checked: false, reason: "file not found" });
    else if (report.message === "SyntaxError: Unexpected token '<'") jsx.push(file);
    else verdicts.set(file, { checked: true, failures: [`${file}:${report.line}: ${report.message}`] });
  }
  for (const [file, verdict] of await parseWithTypeScript(dir, jsx)) {
    verdicts.set(file, verdict.checked ? verdict : { checked: false, reason: `looks like JSX, which node cannot parse, and ${verdict.reason}` });
  }
  return verdicts;
}

/** An error is what `node --check` prints: "SyntaxError: Unexpected token ';'" and the line it names. */
type ParseReport =
  { file: string; status: "ok" } | { file: string; status: "missing" } | { file: string; status: "timeout" } | { file: string; status: "error"; line: number; message: string };

const REPORT_MARK = "codegen-crew-node-parse\t";
/**
 * What one driver may take. V8's parser takes no interrupts, so a parse that never ends can only be stopped
 * with its process: the file the driver was on is then reported as timed out and a new driver takes the rest.
 * Files parse in milliseconds, so a driver's time is, in effect, the time of the file that stopped it.
 */
const PER_FILE_TIMEOUT_MS = 30_000;

/** The driver's reports, one per file it reached (in the order given: each is printed as soon as it is known). */
async function parseWithNode(dir: string, files: string[], opts: JavaScriptCheckOptions): Promise<Map<string, ParseReport>> {
  const reports = new Map<string, ParseReport>();
  const deadline = Date.now() + opts.timeoutMs;
  for (let pending = files; pending.length > 0 && Date.now() < deadline;) {
    const result = await opts.runner.run({
      // vm.SourceTextModule, the only way to compile an ES module without running it, is behind this flag.
      command: [process.execPath, "--experimental-vm-modules", "--no-warnings", "-e", PARSE_DRIVER, ...pending],
      cwd: dir,
      timeoutMs: Math.min(PER_FILE_TIMEOUT_MS, deadline - Date.now()),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    for (const line of result.output.split("\n")) {
      if (!line.startsWith(REPORT_MARK)) continue;
      const report = JSON.parse(line.slice(REPORT_MARK.length)) as ParseReport;
      reports.set(report.file, report);
    }
    const [stuck, ...rest] = pending.filter((file) => !reports.has(file));
    if (!result.timedOut || stuck === undefined) break;
    reports.set(stuck, { file: stuck, status: "timeout" });
    pending = rest;
  }
  for (const file of files) if (!reports.has(file) && Date.now() >= deadline) reports.set(file, { file, status: "timeout" });
  return reports;
}

/**
 * Runs inside the sandbox with the changed files as arguments; prints one marked JSON line per file, in order.
 * How node decides a file's module type (Node 20.19+): .mjs is a module, .cjs CommonJS, a .js file follows the
 * "type" of the nearest package.json (not looking past a node_modules folder); without one, node's detection
 * compiles it as CommonJS and takes it for a module when that fails with a module-syntax error (MODULE_SYNTAX),
 * or with one a module might not have (MAYBE_MODULE, top-level await's among them; matched as node matches them,
 * in "SyntaxError: message") and it compiles as a module. `node --check` passes a module found by the first
 * rule without parsing it as one, even a broken one; here it is parsed as a module.
 * CommonJS compiles with the parameters of node's wrapper function (top-level `return` is legal). An error
 * leaving a vm Script's run gets node's "file:LINE / source / caret" stack (displayErrors); a module's compile
 * error has no line otherwise, so every compile is started from DECORATE.
 */
const PARSE_DRIVER = `
const fs = require("node:fs");
const path = require("node:path");
const vm = require("node:vm");
const WRAPPER_PARAMETERS = ["exports", "require", "module", "__filename", "__dirname"];
const MODULE_SYNTAX = ["Cannot use import statement outside a module", "Unexpected token 'export'", "Cannot use 'import.meta' outside a module"];
const MAYBE_MODULE = [
  ...WRAPPER_PARAMETERS.map((name) => "Identifier '" + name + "' has already been declared"),
  "await is only valid in async functions and the top level bodies of modules",
  "missing ) after argument list",
  "SyntaxError: Unexpected",
];
const COMPILE = Symbol.for("codegen-crew.compile");
const DECORATE = new vm.Script("globalThis[Symbol.for('codegen-crew.compile')]()", { filename: "codegen-crew-parse" });

function compile(file, text, goal) {
  globalThis[COMPILE] = goal === "module"
    ? () => new vm.SourceTextModule(text, { identifier: file })
    : () => vm.compileFunction(text, WRAPPER_PARAMETERS, { filename: file });
  try { DECORATE.runInThisContext(); return null; } catch (error) { return error; }
}

function packageType(file) {
  for (let folder = path.dirname(fs.realpathSync(file)); ; folder = path.dirname(folder)) {
    const manifest = path.join(folder, "package.json");
    if (manifest.endsWith("node_modules/package.json")) return "none";
    let text = null;
    try { text = fs.readFileSync(manifest, "utf8"); } catch {}
    if (text !== null) {
      let type;
      try { type = JSON.parse(text).type; } catch {
        const error = new Error("Invalid package config " + manifest + ".");
        error.name = "Error [ERR_INVALID_PACKAGE_CONFIG]";
        throw error;
      }
      return type === "module" || type === "commonjs" ? type : "none";
    }
    if (path.dirname(folder) === folder) return "none";
  }
}

function parse(file, text) {
  const type = file.endsWith(".mjs") ? "module" : file.endsWith(".cjs") ? "commonjs" : packageType(file);
  if (type !== "none") return compile(file, text, type);
  const error = compile(file, text, "commonjs");
  if (!error) return null;
  const says = (messages) => messages.some((message) => (error.name + ": " + error.message).includes(message));
  if (says(MODULE_SYNTAX)) return compile(file, text, "module");
  if (says(MAYBE_MODULE) && !compile(file, text, "module")) return null;
  return error;
}

function failure(file, error) {
  const header = String(error.stack).split("\\n")[0];
  const line = header.startsWith(file + ":") ? Number(header.slice(file.length + 1)) || 1 : 1;
  return { file, status: "error", line, message: error.name + ": " + error.message };
}

const report = (line) => console.log(${JSON.stringify(REPORT_MARK)} + JSON.stringify(line));
for (const file of process.argv.slice(1)) {
  let text;
  try { text = fs.readFileSync(file, "utf8"); } catch { report({ file, status: "missing" }); continue; }
  let error;
  try { error = parse(file, text); } catch (thrown) { error = thrown; }
  report(error ? failure(file, error) : { file, status: "ok" });
}
`;
