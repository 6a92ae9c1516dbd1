import { execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildRepoContext, type RepoContext } from "../../src/core/context/repo-context.js";
import { renderTree } from "../../src/core/context/tree.js";
import type { Task } from "../../src/core/task.js";
import { git, writeFiles } from "../support/temp-repo.js";

const task = (title: string, body = ""): Task => ({ title, body, comments: [], source: "issue" });
const paths = (ctx: RepoContext) => ctx.files.map((file) => file.path);

describe("buildRepoContext on a large repository", () => {
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "codegen-crew-large-"));
    cleanup = () => rm(dir, { recursive: true, force: true });
    await writeFiles(dir, {
      "packages/pkg42/mod7/special/target-widget.ts": "export const widget = 'the one';\n",
      "packages/pkg3/mod1/widget-registry.ts": "export const registry = ['widget'];\n",
      "package.json": "{}",
    });
    await git(dir, "init", "-q", "-b", "main");
    await git(dir, "add", "-A");
    // 10,000 more tracked files, staged straight into the index with one shared blob: git lists them like
    // any other (they show as deleted in the working tree, which the builder must tolerate), without
    // spending seconds writing and deleting 10,000 files.
    const blob = execFileSync("git", ["hash-object", "-w", "--stdin"], { cwd: dir, input: "export const v = 1;\n", encoding: "utf8" }).trim();
    const entries: string[] = [];
    for (let p = 0; p < 50; p += 1) {
      for (let m = 0; m < 10; m += 1) {
        for (let f = 0; f < 20; f += 1) entries.push(`100644 ${blob}\tpackages/pkg${p}/mod${m}/file${f}.ts`);
      }
    }
    execFileSync("git", ["update-index", "--index-info"], { cwd: dir, input: `${entries.join("\n")}\n` });
  });

  afterAll(() => cleanup());

  it("keeps the tree to a bounded number of lines and the named file's directories open", async () => {
    const ctx = await buildRepoContext({ dir, task: task("Broken widget", "packages/pkg42/mod7/special/target-widget.ts shows the wrong one"), tokenBudget: 24_000 });
    expect(ctx.fileCount).toBe(10_003);
    const lines = ctx.tree.split("\n");
    expect(lines.length).toBeLessThanOrEqual(320);
    expect(lines.length).toBeGreaterThan(20);
    expect(ctx.tree).toMatch(/^ {2}pkg42\/$/m);
    expect(ctx.tree).toMatch(/^ {4}mod7\/$/m);
    expect(ctx.tree).toMatch(/^ {8}target-widget\.ts$/m);
    // Folders away from the task: one line with their count and sample names.
    expect(ctx.tree).toMatch(/^ {2}pkg\d+\/ \(200 files: mod0\/, mod1\/, mod2\/, …\)$/m);
    expect(paths(ctx)).toContain("packages/pkg42/mod7/special/target-widget.ts");
    // The one other file about widgets is found among 10,000 candidates.
    expect(paths(ctx)).toContain("packages/pkg3/mod1/widget-registry.ts");
    expect(ctx.totalTokens).toBeLessThanOrEqual(24_000);
  });

  it("falls back to a directory walk without git, skipping .git and node_modules", async () => {
    const plain = await mkdtemp(path.join(os.tmpdir(), "codegen-crew-plain-"));
    try {
      await writeFiles(plain, { "src/index.ts": "export {};\n", "node_modules/dep/index.js": "x\n", "lib/util.ts": "export {};\n" });
      const ctx = await buildRepoContext({ dir: plain, task: task("Fix src/index.ts"), tokenBudget: 4_000 });
      expect(ctx.fileCount).toBe(2);
      expect(ctx.tree).not.toContain("node_modules");
      expect(paths(ctx)).toEqual(["src/index.ts"]);
    } finally {
      await rm(plain, { recursive: true, force: true });
    }
  });
});

describe("renderTree", () => {
  it("shows a small repository whole", () => {
    expect(renderTree(["b.ts", "src/a.ts", "src/lib/c.ts", "README.md"], { maxLines: 50 })).toBe(["src/", "  lib/", "    c.ts", "  a.ts", "README.md", "b.ts"].join("\n"));
  });

  it.each([
    ["one flat directory", Array.from({ length: 10_000 }, (_, i) => `src/file${i}.ts`)],
    ["a deep chain", Array.from({ length: 10_000 }, (_, i) => `${Array.from({ length: 12 }, (_, d) => `d${d}`).join("/")}/f${i % 50}/x${i}.ts`)],
    ["many top-level directories", Array.from({ length: 10_000 }, (_, i) => `dir${i}/index.ts`)],
  ])("bounds the lines of %s of 10,000 files and keeps pinned files visible", (_shape, files) => {
    const pinned = [files[7_777]!, files[42]!];
    const tree = renderTree(files, { maxLines: 200 });
    expect(tree.split("\n").length).toBeLessThanOrEqual(200);
    const pinnedTree = renderTree(files, { maxLines: 200, pinned });
    expect(pinnedTree.split("\n").length).toBeLessThanOrEqual(200 + 2 * 16);
    const lines = pinnedTree.split("\n");
    for (const file of pinned) {
      const segments = file.split("/");
      segments.forEach((segment, depth) => {
        const suffix = depth === segments.length - 1 ? "" : "/";
        expect(lines).toContain(`${"  ".repeat(depth)}${segment}${suffix}`);
      });
    }
    expect(pinnedTree).toMatch(/more entr(y|ies) \(\d+ files?\)|\(\d+ files?\)/);
  });
});
