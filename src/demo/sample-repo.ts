import { execFile } from "node:child_process";
import { mkdir, readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { errorMessage, WorkspaceError } from "../core/errors.js";

/**
 * The offline demo's sample repository: a tiny but real ESM library (`text-tools`) whose tests run with
 * `node --test` and no dependencies, and the issue the crew is asked to solve in it. The recorded answers in
 * demo-answers.ts are written against exactly these files, so they are exported for them to build on.
 */

const FENCE = "```";

const PACKAGE_JSON = `{
  "name": "text-tools",
  "version": "1.0.0",
  "description": "Small, dependency-free string helpers.",
  "type": "module",
  "exports": "./src/strings.js",
  "scripts": {
    "test": "node --test"
  },
  "engines": {
    "node": ">=18"
  },
  "license": "MIT"
}
`;

const STRINGS_JS = String.raw`/**
 * Small string helpers. Every helper throws a TypeError when it is given something
 * other than a string, so that mistakes show up where they are made.
 */

function assertString(value, name) {
  if (typeof value !== "string") {
    throw new TypeError(name + " must be a string, got " + typeof value);
  }
}

/** Upper-cases the first character: capitalize("hello world") -> "Hello world". */
export function capitalize(text) {
  assertString(text, "text");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * Shortens text to at most max characters, ending with "…" when it was cut:
 * truncate("hello world", 8) -> "hello w…".
 */
export function truncate(text, max) {
  assertString(text, "text");
  if (!Number.isInteger(max) || max < 1) {
    throw new RangeError("max must be a positive integer, got " + max);
  }
  if (text.length <= max) return text;
  return text.slice(0, max - 1) + "…";
}
`;

const STRINGS_TEST_JS = `import { test } from "node:test";
import assert from "node:assert/strict";
import { capitalize, truncate } from "../src/strings.js";

test("capitalize upper-cases the first character", () => {
  assert.equal(capitalize("hello world"), "Hello world");
});

test("capitalize leaves an empty string alone", () => {
  assert.equal(capitalize(""), "");
});

test("truncate keeps text that already fits", () => {
  assert.equal(truncate("hello", 10), "hello");
});

test("truncate cuts long text and adds an ellipsis", () => {
  assert.equal(truncate("hello world", 8), "hello w…");
});

test("truncate rejects a max that is not a positive integer", () => {
  assert.throws(() => truncate("hello", 0), RangeError);
});

test("helpers reject non-strings", () => {
  assert.throws(() => capitalize(42), TypeError);
  assert.throws(() => truncate(undefined, 3), TypeError);
});
`;

const README_MD = `# text-tools

Small, dependency-free string helpers for Node.js (ESM only).

## Usage

${FENCE}js
import { capitalize, truncate } from "text-tools";

capitalize("hello world"); // "Hello world"
truncate("hello world", 8); // "hello w…"
${FENCE}

Every helper throws a \`TypeError\` when it is given something other than a string.

## Development

${FENCE}sh
npm test
${FENCE}

The tests use the built-in \`node:test\` runner; there is nothing to install.
`;

const GITIGNORE = `node_modules/
*.log
.DS_Store
`;

/** The sample repository's files, by path relative to its root. */
export const SAMPLE_FILES: Readonly<Record<string, string>> = Object.freeze({
  "package.json": PACKAGE_JSON,
  "src/strings.js": STRINGS_JS,
  "test/strings.test.js": STRINGS_TEST_JS,
  "README.md": README_MD,
  ".gitignore": GITIGNORE,
});

/** The demo's issue; its first line is the title. */
export const SAMPLE_TASK = `Add a slugify(text) helper

We build URLs from article titles and need a \`slugify(text)\` helper in \`src/strings.js\`, exported next to \`capitalize\` and \`truncate\`.

Spec:
- The result is lower-case and contains only ASCII letters \`a-z\`, digits \`0-9\` and dashes.
- Accents are stripped: normalise the text with NFKD and drop the combining marks, so \`"Crème Brûlée"\` becomes \`"creme-brulee"\`.
- Every run of other characters (spaces, punctuation, symbols) becomes a single dash: \`"Hello, World!"\` becomes \`"hello-world"\`.
- No leading or trailing dash: \`"  --Hello--  "\` becomes \`"hello"\`.
- Like the other helpers, a non-string argument throws a \`TypeError\`.

Please add tests (node:test) and document the helper in the README.
`;

/** A fixed author, committer and date: the same files always give the same base commit. */
const GIT_SETTINGS = [
  "-c",
  "user.name=codegen-crew demo",
  "-c",
  "user.email=demo@codegen-crew.invalid",
  "-c",
  "commit.gpgsign=false",
  "-c",
  "core.autocrlf=false",
  // A hooks folder that does not exist: the user's global hooks have no business in the demo.
  "-c",
  "core.hooksPath=.git/no-hooks",
];
const FIXED_DATE = "1704110400 +0000"; // 2024-01-01T12:00:00Z

const execFileAsync = promisify(execFile);

/**
 * Writes the sample repository into `dir` (created if missing; it must be empty, so that the demo never
 * overwrites anyone's files), commits it on `main` and returns the task text for the crew.
 */
export async function createSampleRepo(dir: string): Promise<{ dir: string; task: string }> {
  const root = path.resolve(dir);
  try {
    await mkdir(root, { recursive: true });
    const existing = await readdir(root);
    if (existing.length > 0) {
      throw new WorkspaceError(`the demo folder must be empty, it holds ${existing.length} entries`, { path: root });
    }
    for (const [relativePath, content] of Object.entries(SAMPLE_FILES)) {
      const file = path.join(root, relativePath);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, content, "utf8");
    }
  } catch (error) {
    if (error instanceof WorkspaceError) throw error;
    throw new WorkspaceError(`could not write the demo repository: ${errorMessage(error)}`, { path: root }, { cause: error });
  }
  await git(root, ["init", "-q", "-b", "main"]);
  await git(root, ["add", "--all"]);
  await git(root, ["commit", "-q", "--no-verify", "-m", "Initial commit: text-tools with capitalize and truncate"]);
  return { dir: root, task: SAMPLE_TASK };
}

async function git(cwd: string, args: string[]): Promise<void> {
  try {
    await execFileAsync("git", [...GIT_SETTINGS, ...args], { cwd, env: demoGitEnv(), windowsHide: true });
  } catch (error) {
    const stderr = (error as { stderr?: unknown }).stderr;
    const detail = typeof stderr === "string" && stderr.trim() !== "" ? stderr.trim() : errorMessage(error);
    throw new WorkspaceError(`git ${args[0]} failed in the demo repository: ${detail}`, { path: cwd }, { cause: error });
  }
}

/** The inherited environment without GIT_* (GIT_DIR, GIT_AUTHOR_NAME… would redirect or re-sign the commit). */
function demoGitEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.toUpperCase().startsWith("GIT_")) env[key] = value;
  }
  return { ...env, GIT_AUTHOR_DATE: FIXED_DATE, GIT_COMMITTER_DATE: FIXED_DATE, GIT_TERMINAL_PROMPT: "0" };
}
