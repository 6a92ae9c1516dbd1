import type { RoleName } from "../core/roles/role-names.js";
import { SAMPLE_FILES } from "./sample-repo.js";

/**
 * The offline demo's recorded answers: for each role, the JSON arguments of its final function call, in the
 * order the crew makes the calls. The story is real and test/demo/demo-scenario.test.ts checks it against
 * the sample repository: the developer's slugify does not collapse runs of separators, the tester's new tests
 * catch it, the reviewer asks for a fix on that line, the debugger fixes it and everything passes.
 */

const FENCE = "```";

function sampleFile(relativePath: string): string {
  const content = SAMPLE_FILES[relativePath];
  if (content === undefined) throw new Error(`the sample repository has no ${relativePath}`);
  return content;
}

/** The 1-based line of the first line that contains `needle`; the review comments point at real lines. */
function lineOf(content: string, needle: string): number {
  const index = content.split("\n").findIndex((line) => line.includes(needle));
  if (index < 0) throw new Error(`demo answer does not contain ${needle}`);
  return index + 1;
}

/** src/strings.js with slugify appended; `separators` is the pattern that replaces non-alphanumerics. */
function stringsWithSlugify(separators: string): string {
  return `${sampleFile("src/strings.js")}
/**
 * Turns text into a URL slug: slugify("Hello, World!") -> "hello-world".
 * Accents are stripped (NFKD, then the combining marks are dropped), letters are
 * lower-cased, characters other than ASCII letters and digits become dashes, and
 * the slug never starts or ends with a dash.
 */
export function slugify(text) {
  assertString(text, "text");
  return text
    .normalize("NFKD")
    .replace(/\\p{M}/gu, "")
    .toLowerCase()
    .replace(${separators}, "-")
    .replace(/^-+|-+$/g, "");
}
`;
}

const BUGGY_SEPARATORS = "/[^a-z0-9]/g";
const FIXED_SEPARATORS = "/[^a-z0-9]+/g";
const DEVELOPER_STRINGS = stringsWithSlugify(BUGGY_SEPARATORS);
const DEBUGGER_STRINGS = stringsWithSlugify(FIXED_SEPARATORS);

const SLUGIFY_TEST = `import { test } from "node:test";
import assert from "node:assert/strict";
import { slugify } from "../src/strings.js";

test("slugify lower-cases words and joins them with a dash", () => {
  assert.equal(slugify("Hello World"), "hello-world");
});

test("slugify collapses runs of other characters into one dash", () => {
  assert.equal(slugify("Hello, World!"), "hello-world");
  assert.equal(slugify("a  --  b"), "a-b");
});

test("slugify trims leading and trailing separators", () => {
  assert.equal(slugify("  --Hello--  "), "hello");
});

test("slugify strips accents", () => {
  assert.equal(slugify("Crème Brûlée à Paris"), "creme-brulee-a-paris");
});

test("slugify keeps ASCII digits", () => {
  assert.equal(slugify("Node 20 release notes"), "node-20-release-notes");
});

test("slugify returns an empty string when nothing is left", () => {
  assert.equal(slugify("!!! ???"), "");
  assert.equal(slugify(""), "");
});

test("slugify rejects non-strings", () => {
  assert.throws(() => slugify(null), TypeError);
});
`;

const README_SLUGIFY_SECTION = `### slugify(text)

Turns text into a URL-friendly slug:

${FENCE}js
import { slugify } from "text-tools";

slugify("Hello, World!"); // "hello-world"
slugify("Crème Brûlée à Paris"); // "creme-brulee-a-paris"
slugify("  --Node 20--  "); // "node-20"
slugify("Straße"); // "stra-e"
${FENCE}

- Accents are stripped: the text is normalised with NFKD and the combining marks are dropped.
- Letters are lower-cased; only ASCII letters \`a-z\` and digits \`0-9\` are kept.
- Every run of other characters becomes a single \`-\`, and the slug never starts or ends with a dash.
- Characters with no ASCII decomposition, such as \`ß\` or \`ø\`, count as separators (see \`"Straße"\` above).
- The slug can be empty: \`slugify("!!!")\` returns \`""\`.

`;

/** The README with the slugify section inserted before "## Development"; every old line is kept. */
function readmeWithSlugify(): string {
  const readme = sampleFile("README.md");
  const marker = "## Development";
  if (!readme.includes(marker)) throw new Error("the sample README has no Development section");
  return readme.replace(marker, `${README_SLUGIFY_SECTION}${marker}`);
}

const PR_BODY = `## What changed

- \`src/strings.js\`: new exported \`slugify(text)\`. It normalises the text with NFKD and drops the combining marks (accents), lower-cases it, turns every run of characters other than ASCII letters and digits into a single \`-\`, and trims dashes from both ends. Like the other helpers, it throws a \`TypeError\` for non-strings.
- \`test/slugify.test.js\`: new \`node:test\` cases for the spec: lower-casing, collapsing separator runs, trimming, accents, digits, empty results and the \`TypeError\`.
- \`README.md\`: a \`slugify(text)\` section with examples and the rules.

## How it was tested

\`npm test\` (\`node --test\`) runs the existing string tests and the new slugify tests; all of them pass.
The first version replaced each separator character with its own dash, so \`"Hello, World!"\` became \`"hello--world"\`. The test "slugify collapses runs of other characters into one dash" caught it, and the pattern now matches whole runs (\`/[^a-z0-9]+/g\`).

## What to look at

- Characters that have no ASCII decomposition (\`ß\`, \`ø\`, non-Latin scripts) are treated as separators, so \`slugify("Straße")\` returns \`"stra-e"\`. This follows the issue's spec; transliterating them would need a lookup table or a dependency.
- A slug can be empty (\`slugify("!!!")\` returns \`""\`); callers that need a non-empty slug have to handle that.
`;

export const demoAnswers: Record<RoleName, object[]> = {
  architect: [
    {
      summary: "Add slugify(text) to src/strings.js next to capitalize and truncate, cover it with its own node:test file, and document it in the README.",
      steps: [
        "Add an exported slugify(text) to src/strings.js that validates its argument with assertString, like the other helpers.",
        "Normalise with NFKD and drop the combining marks (\\p{M}) so accented letters become their ASCII base letters.",
        "Lower-case, replace every run of characters other than a-z and 0-9 with one dash, and trim dashes from both ends.",
        "Add test/slugify.test.js covering case, separator runs, leading and trailing separators, accents, digits, empty results and the TypeError.",
        "Add a slugify section to the README's usage documentation.",
      ],
      files: [
        { path: "src/strings.js", action: "modify", purpose: "add and export slugify(text)" },
        { path: "test/slugify.test.js", action: "create", purpose: "node:test cases for the slugify spec" },
        { path: "README.md", action: "modify", purpose: "document slugify with examples and its rules" },
      ],
      test_plan:
        'Run npm test (node --test). The existing strings tests must keep passing and the new slugify tests must pass, in particular "Hello, World!" -> "hello-world" (runs of separators collapse to one dash), "  --Hello--  " -> "hello" (no leading or trailing dash) and "Crème Brûlée" -> "creme-brulee" (accents stripped).',
    },
  ],
  developer: [
    {
      summary:
        "Added slugify(text) to src/strings.js: it validates the argument, normalises with NFKD, drops combining marks, lower-cases, replaces characters other than a-z and 0-9 with dashes and trims dashes at both ends.",
      files: [{ path: "src/strings.js", content: DEVELOPER_STRINGS }],
    },
  ],
  tester: [
    {
      summary:
        "Added test/slugify.test.js: node:test cases for lower-casing, collapsing runs of separators, trimming leading and trailing separators, accent stripping, digits, empty results and the TypeError for non-strings.",
      files: [{ path: "test/slugify.test.js", content: SLUGIFY_TEST }],
    },
  ],
  reviewer: [
    {
      verdict: "request_changes",
      comments: [
        {
          path: "src/strings.js",
          line: lineOf(DEVELOPER_STRINGS, BUGGY_SEPARATORS),
          severity: "major",
          message:
            'Each non-alphanumeric character becomes its own dash, so runs are not collapsed: slugify("Hello, World!") returns "hello--world" instead of "hello-world", which breaks the spec and the test "slugify collapses runs of other characters into one dash". Match whole runs with /[^a-z0-9]+/g.',
        },
      ],
    },
    {
      verdict: "approve",
      comments: [
        {
          path: "src/strings.js",
          line: lineOf(DEBUGGER_STRINGS, "characters other than ASCII letters and digits become dashes"),
          severity: "nit",
          message: 'Characters with no ASCII decomposition (ß, ø) become separators, e.g. slugify("Straße") is "stra-e". That matches the spec, but the README should say so.',
        },
      ],
    },
  ],
  debugger: [
    {
      summary:
        'slugify replaced each separator character with its own dash, so "Hello, World!" became "hello--world". The pattern now matches whole runs (/[^a-z0-9]+/g), so every run becomes a single dash; the trimming of leading and trailing dashes is unchanged.',
      files: [{ path: "src/strings.js", content: DEBUGGER_STRINGS }],
    },
  ],
  documenter: [
    {
      summary: "Added a slugify(text) section to README.md with examples and the rules, including that characters without an ASCII decomposition count as separators.",
      files: [{ path: "README.md", content: readmeWithSlugify() }],
    },
  ],
  summarizer: [{ title: "Add slugify(text) helper to text-tools", body: PR_BODY }],
};
