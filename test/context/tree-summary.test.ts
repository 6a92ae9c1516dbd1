import { execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildRepoContext, renderRepoContext, type RepoContext } from "../../src/core/context/repo-context.js";
import { renderTree } from "../../src/core/context/tree.js";
import { countTokens } from "../../src/core/model/token-count.js";
import type { Task } from "../../src/core/task.js";
import { git, writeFiles } from "../support/temp-repo.js";

const NAMED = "src/export/json-export.js";
const task: Task = {
  title: "Add a --pretty flag to exportJson",
  body: `exportJson in ${NAMED} should indent its JSON output when --pretty is set.`,
  comments: [],
  source: "issue",
};

/** `count` files spread over 50 feature folders, plus the folder of the file the task names. */
function syntheticPaths(count: number): string[] {
  const files = Array.from({ length: count }, (_, i) => `src/feature${i % 50}/part${i}.js`);
  for (const sibling of ["csv-export.js", "index.js", "json-export.js", "xml-export.js"]) files.push(`src/export/${sibling}`);
  files.push("README.md", "package.json", "package-lock.json");
  return files;
}

describe("renderTree on a large repository", () => {
  const files = syntheticPaths(10_000);
  const tree = renderTree(files, { maxLines: 200, pinned: ["package.json", NAMED] });
  const lines = tree.split("\n");

  it("summarises folders away from the task as one line each, with the file count and sample names", () => {
    expect(lines.length).toBeLessThanOrEqual(100 + 10);
    // Shortest names first, then in order: part3.js, part53.js, then the first three-digit one.
    expect(lines).toContain("  feature3/ (200 files: part3.js, part53.js, part103.js, …)");
    expect(tree).not.toContain("part9999.js");
  });

  it("lists the named file's folder in full and the top-level files", () => {
    for (const sibling of ["csv-export.js", "index.js", "json-export.js", "xml-export.js"]) expect(lines).toContain(`    ${sibling}`);
    expect(lines).toContain("  export/");
    for (const top of ["README.md", "package.json", "package-lock.json"]) expect(lines).toContain(top);
  });

  it("is deterministic: the same text whatever the order the files were listed in", () => {
    const shuffled = [...files].sort((a, b) => (a.split("").reverse().join("") < b.split("").reverse().join("") ? -1 : 1));
    expect(renderTree(shuffled, { maxLines: 200, pinned: ["package.json", NAMED] })).toBe(tree);
  });

  it("counts what a capped folder does not show", () => {
    const flat = Array.from({ length: 500 }, (_, i) => `data/row${String(i).padStart(3, "0")}.csv`);
    const summary = renderTree(flat, { maxLines: 200, pinned: ["data/row250.csv"] }).split("\n");
    expect(summary).toContain("  row250.csv");
    expect(summary.at(-1)).toMatch(/^ {2}… \d+ more entries \(\d+ files\)$/);
    const shown = summary.filter((line) => /^ {2}row\d+\.csv$/.test(line)).length;
    expect(summary.at(-1)).toBe(`  … ${500 - shown} more entries (${500 - shown} files)`);
  });

  it("opens a wide folder of folders away from the task, and keeps a wide folder of files to its summary line", () => {
    const files = [
      ...Array.from({ length: 3_000 }, (_, i) => `lib/pkg${String(i % 60).padStart(2, "0")}/f${i}.js`),
      ...Array.from({ length: 300 }, (_, i) => `fixtures/case${i}.json`),
      NAMED,
    ];
    const summary = renderTree(files, { maxLines: 200, pinned: [NAMED] }).split("\n");
    expect(summary).toContain("lib/");
    expect(summary).toContain("  pkg00/ (50 files: f0.js, f60.js, f120.js, …)");
    expect(summary).toContainEqual(expect.stringMatching(/^ {2}… \d+ more entries \(\d+ files\)$/));
    expect(summary).toContain("fixtures/ (300 files: case0.json, case1.json, case2.json, …)");
  });

  it("shows sample names like any path: escaped, so a name cannot fake lines of the tree", () => {
    const hostile = [...Array.from({ length: 300 }, (_, i) => `pkg${i}/a.js`), ...Array.from({ length: 20 }, (_, i) => `aa/file-number-${i}.js`), "aa/x\n  secret.js"];
    const summary = renderTree(hostile, { maxLines: 200, summaryLines: 10 });
    expect(summary.split("\n")[0]).toBe('aa/ (21 files: "x\\n  secret.js", file-number-0.js, …)');
    expect(summary).not.toMatch(/^ {2}secret\.js/m);
    expect(summary.split("\n").length).toBeLessThanOrEqual(10);
  });
});

describe("renderTree on a small repository", () => {
  it("lists every file, even a folder wider than a summary would show", () => {
    const files = [...Array.from({ length: 90 }, (_, i) => `lib/m${i}.ts`), "index.ts"];
    const tree = renderTree(files, { maxLines: 200 });
    expect(tree.split("\n")).toHaveLength(92);
    expect(tree).not.toMatch(/more entr|files:/);
    for (const file of files) expect(tree).toContain(file.slice(file.lastIndexOf("/") + 1));
  });
});

describe("buildRepoContext: prompt size follows the task, not the repository", () => {
  const contexts = new Map<number, RepoContext>();
  const dirs: string[] = [];

  /** Real files for what the context reads; the bulk staged straight into the index with one shared blob. */
  async function repoWith(count: number): Promise<string> {
    const dir = await mkdtemp(path.join(os.tmpdir(), "codegen-crew-scale-"));
    dirs.push(dir);
    await writeFiles(dir, {
      "package.json": JSON.stringify({ name: "scale", scripts: { test: "node --test" } }, null, 2),
      "package-lock.json": JSON.stringify({ lockfileVersion: 3, packages: { "node_modules/a": { version: "1.0.0" } } }),
      "README.md": "# scale\n",
      [NAMED]: "export function exportJson(rows) {\n  return JSON.stringify(rows);\n}\n",
    });
    await git(dir, "init", "-q", "-b", "main");
    await git(dir, "add", "-A");
    const blob = execFileSync("git", ["hash-object", "-w", "--stdin"], { cwd: dir, input: "export const part = 1;\n", encoding: "utf8" }).trim();
    const entries = syntheticPaths(count)
      .filter((file) => file.startsWith("src/feature"))
      .map((file) => `100644 ${blob}\t${file}`);
    execFileSync("git", ["update-index", "--index-info"], { cwd: dir, input: `${entries.join("\n")}\n` });
    return dir;
  }

  beforeAll(async () => {
    for (const count of [100, 10_000]) contexts.set(count, await buildRepoContext({ dir: await repoWith(count), task, tokenBudget: 24_000 }));
  });

  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it("includes the named file and keeps the lock file out at both sizes", () => {
    for (const ctx of contexts.values()) {
      expect(ctx.files.map((file) => [file.path, file.reason])).toContainEqual([NAMED, "named-in-task"]);
      expect(ctx.files.map((file) => file.path)).not.toContain("package-lock.json");
    }
  });

  it("lists 100 files whole and summarises 10,000", () => {
    const small = contexts.get(100)!.tree;
    expect(small).not.toMatch(/files:|more entr/);
    for (let i = 0; i < 100; i += 1) expect(small).toContain(`part${i}.js`);
    expect(contexts.get(10_000)!.tree).toMatch(/^ {2}feature\d+\/ \(200 files: part\d+\.js, /m);
  });

  it("costs at most 1.5× the prompt tokens for 10,000 files as for 100", async () => {
    const tokens = (count: number) => countTokens(renderRepoContext(contexts.get(count)!));
    // totalTokens is the count, or a ceiling on it where the context fitted byte for byte.
    expect(await tokens(10_000)).toBeLessThanOrEqual(contexts.get(10_000)!.totalTokens);
    expect((await tokens(10_000)) / (await tokens(100))).toBeLessThanOrEqual(1.5);
  });
});

describe("buildRepoContext: a word in most files picks none of them", () => {
  it("adds no file that merely shares 'src' and 'export' with the task (they would all tie)", async () => {
    const files: Record<string, string> = { [NAMED]: "export function exportJson(rows) {\n  return JSON.stringify(rows);\n}\n" };
    for (let i = 0; i < 40; i += 1) files[`src/feature${i}/part${i}.js`] = `export function handler${i}(input) {\n  return input + ${i};\n}\n`;
    const dir = await mkdtemp(path.join(os.tmpdir(), "codegen-crew-common-"));
    try {
      await writeFiles(dir, files);
      await git(dir, "init", "-q", "-b", "main");
      await git(dir, "add", "-A");
      const ctx = await buildRepoContext({ dir, task, tokenBudget: 24_000 });
      expect(ctx.files.filter((file) => file.reason === "relevant").map((file) => file.path)).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
