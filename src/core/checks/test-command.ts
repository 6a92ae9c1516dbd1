import { readFile } from "node:fs/promises";
import path from "node:path";

/**
 * Which test runners a test command line ends up starting: `npm test` is followed into package.json,
 * `a && b` is split, wrappers (npx, cross-env, c8, …) are looked through. Only used to decide how to
 * confirm that new test files ran, never to change what the command does.
 */

export type TestRunner =
  | { kind: "node"; program: string; flags: string[]; assignments: string[] }
  | { kind: "pytest"; program: string[] }
  | { kind: "unittest"; python: string }
  | { kind: "jest" }
  | { kind: "vitest" };

export interface ResolvedTestCommand {
  runners: TestRunner[];
  /** Programs that may run tests in ways we cannot follow (mocha, make, a script…). */
  unknown: string[];
}

const MAX_SCRIPT_DEPTH = 5;
/** Commands commonly chained with a test runner that never run tests themselves. */
const NOT_A_RUNNER = new Set([
  "tsc",
  "eslint",
  "prettier",
  "biome",
  "standard",
  "xo",
  "tsup",
  "esbuild",
  "rimraf",
  "rm",
  "mkdir",
  "cp",
  "mv",
  "echo",
  "printf",
  "true",
  "cd",
  "exit",
  "touch",
  "cat",
  "sleep",
  "tsc-alias",
  "del-cli",
  "shx",
  "ruff",
  "black",
  "flake8",
  "mypy",
  "isort",
]);
/** Programs that start the rest of their arguments as a command. */
const WRAPPERS = new Set(["npx", "cross-env", "env", "exec", "c8", "nyc", "time", "nice", "command"]);
const PACKAGE_MANAGERS = new Set(["npm", "pnpm", "yarn"]);
/** node flags whose value is the next argument when written without "=". */
const NODE_VALUE_FLAGS = new Set([
  "--import",
  "--require",
  "-r",
  "--loader",
  "--experimental-loader",
  "--env-file",
  "--conditions",
  "-C",
  "--test-name-pattern",
  "--test-skip-pattern",
  "--test-concurrency",
  "--test-timeout",
  "--test-shard",
  "--test-reporter",
  "--test-reporter-destination",
  "--input-type",
  "--stack-size",
  "--max-old-space-size",
  "--test-coverage-include",
  "--test-coverage-exclude",
]);
/** Flags that would make a direct run of one file wrong: other reporters, sharding, watching. */
const NODE_DROPPED_FLAGS = /^--(test|test-reporter|test-reporter-destination|test-shard|watch|watch-path|watch-preserve-output)(=|$)/;

/** Splits a shell command line into simple commands (on && || ; | & and newlines), each as words. */
export function splitShell(line: string): string[][] {
  const commands: string[][] = [];
  let words: string[] = [];
  let word = "";
  let inWord = false;
  const endWord = () => {
    if (inWord) words.push(word);
    word = "";
    inWord = false;
  };
  const endCommand = () => {
    endWord();
    if (words.length) commands.push(words);
    words = [];
  };
  for (let i = 0; i < line.length; i += 1) {
    const char = line[i]!;
    if (char === "'" || char === '"') {
      const close = line.indexOf(char, i + 1);
      const end = close === -1 ? line.length : close;
      word += line.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (char === "\\" && i + 1 < line.length) {
      word += line[i + 1];
      inWord = true;
      i += 1;
    } else if (/\s/.test(char) && char !== "\n") endWord();
    else if (char === "\n" || char === ";" || char === "&" || char === "|") endCommand();
    else {
      word += char;
      inWord = true;
    }
  }
  endCommand();
  return commands;
}

async function packageScripts(dir: string): Promise<Record<string, string>> {
  try {
    const manifest = JSON.parse(await readFile(path.join(dir, "package.json"), "utf8")) as { scripts?: Record<string, unknown> };
    return Object.fromEntries(Object.entries(manifest.scripts ?? {}).filter((entry): entry is [string, string] => typeof entry[1] === "string"));
  } catch {
    return {};
  }
}

/** The script a package-manager invocation runs (`npm test`, `npm run x`, `yarn x`, `pnpm run x`), or null. */
function scriptName(words: string[], scripts: Record<string, string>): string | null {
  const [manager, first, ...rest] = words;
  if (!manager || !PACKAGE_MANAGERS.has(manager) || !first) return null;
  if (first === "test" || first === "t" || first === "tst") return "test";
  if (first === "run" || first === "run-script") return rest.find((word) => !word.startsWith("-")) ?? null;
  if (manager !== "npm" && scripts[first] !== undefined) return first;
  return null;
}

export async function resolveTestCommand(dir: string, command: string): Promise<ResolvedTestCommand> {
  const scripts = await packageScripts(dir);
  const result: ResolvedTestCommand = { runners: [], unknown: [] };
  const visit = (line: string, depth: number) => {
    for (const raw of splitShell(line)) {
      const { words, assignments } = unwrap(raw);
      const program = words[0] ? path.posix.basename(words[0]) : "";
      if (!program) continue;
      const script = scriptName([program, ...words.slice(1)], scripts);
      if (script !== null) {
        const body = scripts[script];
        if (body !== undefined && depth < MAX_SCRIPT_DEPTH) visit(body, depth + 1);
        else result.unknown.push(words.join(" "));
        continue;
      }
      const runner = classify(program, words, assignments);
      if (runner) result.runners.push(runner);
      else if (!NOT_A_RUNNER.has(program)) result.unknown.push(program);
    }
  };
  visit(command, 0);
  return result;
}

/** Drops leading VAR=value words and wrappers, keeping the assignments for node (they may set loaders). */
function unwrap(words: string[]): { words: string[]; assignments: string[] } {
  let rest = [...words];
  const assignments: string[] = [];
  for (;;) {
    while (rest[0] && /^[A-Za-z_][A-Za-z0-9_]*=/.test(rest[0])) {
      assignments.push(rest[0]);
      rest = rest.slice(1);
    }
    const program = rest[0] ? path.posix.basename(rest[0]) : "";
    if (!WRAPPERS.has(program)) return { words: rest, assignments };
    rest = rest.slice(1);
    // Wrapper options (npx --yes, c8 --reporter=text) come before the wrapped command.
    while (rest[0]?.startsWith("-")) rest = rest.slice(1);
  }
}

function classify(program: string, words: string[], assignments: string[]): TestRunner | null {
  const args = words.slice(1);
  if ((program === "node" || program === "nodejs" || program === "tsx") && args.includes("--test")) {
    return { kind: "node", program: words[0]!, flags: directRunFlags(args), assignments };
  }
  const module = args[0] === "-m" ? args[1] : undefined;
  if (program === "pytest" || program === "py.test") return { kind: "pytest", program: [words[0]!] };
  if (/^python(\d+(\.\d+)?)?$/.test(program) && module === "pytest") return { kind: "pytest", program: [words[0]!, "-m", "pytest"] };
  if (/^python(\d+(\.\d+)?)?$/.test(program) && module === "unittest") return { kind: "unittest", python: words[0]! };
  if (program === "jest" || (program === "react-scripts" && args[0] === "test")) return { kind: "jest" };
  if (program === "vitest") return { kind: "vitest" };
  return null;
}

/** node's options from the command (loaders, conditions, name patterns), without file arguments. */
function directRunFlags(args: string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i]!;
    if (!arg.startsWith("-")) continue;
    const takesValue = NODE_VALUE_FLAGS.has(arg) && !arg.includes("=");
    const value = takesValue ? args[i + 1] : undefined;
    if (takesValue) i += 1;
    if (NODE_DROPPED_FLAGS.test(arg)) continue;
    kept.push(arg, ...(value === undefined ? [] : [value]));
  }
  return kept;
}

/** Quotes a word for /bin/sh. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`;
}
