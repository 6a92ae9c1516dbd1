import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ChangePolicy, expandPatterns, normaliseRelativePath } from "../../src/core/workspace/change-policy.js";

let root: string;
let outside: string;

beforeEach(async () => {
  const scratch = await mkdtemp(path.join(os.tmpdir(), "crew-policy-test-"));
  root = path.join(scratch, "repo");
  outside = path.join(scratch, "outside");
  await mkdir(root);
  await mkdir(outside);
});

afterEach(async () => {
  await rm(path.dirname(root), { recursive: true, force: true });
});

const one = (p: string, content = "x") => ({ files: [{ path: p, content }] });

describe("normaliseRelativePath", () => {
  it("normalises harmless forms", () => {
    expect(normaliseRelativePath("./src//a.ts")).toBe("src/a.ts");
    expect(normaliseRelativePath("src/./a.ts")).toBe("src/a.ts");
  });

  it.each([
    ["../x", '".."'],
    ["src/../../x", '".."'],
    ["/etc/passwd", "absolute"],
    ["C:/Windows/x", "drive letter"],
    ["src\\a.ts", "backslash"],
    ["", "empty"],
    ["a\0b", "NUL"],
    ["a\nb", "control characters"],
    ["src/", "directory"],
    [".", "repository root"],
    ["~/.ssh/config", "home directory"],
  ])("refuses %j with a reason", (raw, words) => {
    const result = normaliseRelativePath(raw);
    expect(typeof result).toBe("object");
    expect((result as { reason: string }).reason).toContain(words);
  });
});

describe("ChangePolicy.check", () => {
  it("refuses git internals in any case and at any depth, CI workflows and secret files", async () => {
    const policy = new ChangePolicy();
    for (const p of [
      ".git/config",
      ".GIT/config",
      ".Git/hooks/x",
      "vendor/lib/.git/config",
      ".git./config",
      ".github/workflows/ci.yml",
      ".GitHub/Workflows/x.yml",
      ".env",
      ".ENV",
      "app/.env.production",
      "certs/server.pem",
      "deploy.key",
      "id_rsa",
      "keys/id_rsa.pub",
      "client.p12",
      ".npmrc",
      "pkg/.pypirc",
      ".git-credentials",
    ]) {
      const { accepted, refused } = await policy.check(root, one(p));
      expect(accepted.files, p).toEqual([]);
      expect(refused[0]?.reason, p).toMatch(/never/);
    }
    const { accepted } = await policy.check(root, { files: [".github/dependabot.yml", "src/env.ts", "environment.md", ".gitignore"].map((p) => ({ path: p, content: "x" })) });
    expect(accepted.files.map((f) => f.path)).toEqual([".github/dependabot.yml", "src/env.ts", "environment.md", ".gitignore"]);
  });

  it("reads allow and deny patterns like .gitignore", async () => {
    expect(expandPatterns(["*.md", "/top.txt", "docs/"])).toEqual(["**/*.md", "**/*.md/**", "top.txt", "top.txt/**", "**/docs", "**/docs/**"]);
    const policy = new ChangePolicy({ allow: ["src/**", "*.md"], deny: ["secrets", "src/**/*.gen.ts"] });
    const decision = await policy.check(root, {
      files: ["src/a.ts", "src/x/y.md", "README.md", "docs/guide.md", "lib/a.ts", "secrets/a.md", "src/Secrets/b.ts", "src/api/client.gen.ts"].map((p) => ({
        path: p,
        content: "x",
      })),
    });
    expect(decision.accepted.files.map((f) => f.path)).toEqual(["src/a.ts", "src/x/y.md", "README.md", "docs/guide.md"]);
    expect(Object.fromEntries(decision.refused.map((r) => [r.path, r.reason.includes("paths.allow") ? "allow" : "deny"]))).toEqual({
      "lib/a.ts": "allow",
      "secrets/a.md": "deny",
      "src/Secrets/b.ts": "deny",
      "src/api/client.gen.ts": "deny",
    });
  });

  it("caps file size, total size and file count but keeps the files that fit", async () => {
    const policy = new ChangePolicy({ maxFiles: 3, maxFileBytes: 100, maxTotalBytes: 250 });
    const decision = await policy.check(root, {
      files: [
        { path: "a", content: "a".repeat(101) },
        { path: "b", content: "b".repeat(100) },
        { path: "c", content: "c".repeat(100) },
        { path: "d", content: "d".repeat(100) },
        { path: "e", content: "e".repeat(10) },
        { path: "f", content: "f" },
      ],
      deletions: ["g"],
    });
    expect(decision.accepted.files.map((f) => f.path)).toEqual(["b", "c", "e"]);
    const reasons = Object.fromEntries(decision.refused.map((r) => [r.path, r.reason]));
    expect(reasons.a).toContain("over the limit of 100 bytes per file");
    expect(reasons.d).toContain("over the limit of 250 bytes per change");
    expect(reasons.f).toContain("3 files");
    expect(reasons.g).toContain("3 files");
  });

  it("refuses binary content and duplicate paths", async () => {
    const decision = await new ChangePolicy().check(root, {
      files: [
        { path: "img.png", content: "\x89PNG\0\0" },
        { path: "a.ts", content: "1" },
        { path: "./a.ts", content: "2" },
      ],
      deletions: ["a.ts"],
    });
    expect(decision.accepted.files).toEqual([{ path: "a.ts", content: "1" }]);
    expect(decision.accepted.deletions).toEqual([]);
    expect(decision.refused.map((r) => r.path)).toEqual(["img.png", "a.ts", "a.ts"]);
    expect(decision.refused[0]!.reason).toContain("binary");
  });

  it("refuses paths through a symlinked directory that leaves the root, and symlinked files", async () => {
    await symlink(outside, path.join(root, "out"));
    await writeFile(path.join(outside, "target.txt"), "outside");
    await symlink(path.join(outside, "target.txt"), path.join(root, "link.txt"));
    await mkdir(path.join(root, "inner"));
    await symlink(path.join(root, "inner"), path.join(root, "inner-link"));

    const policy = new ChangePolicy();
    const decision = await policy.check(root, {
      files: ["out/x.txt", "out/deep/new/x.txt", "link.txt", "inner-link/ok.txt"].map((p) => ({ path: p, content: "x" })),
      deletions: ["out/target.txt", "link.txt"],
    });
    expect(decision.accepted.files.map((f) => f.path)).toEqual(["inner-link/ok.txt"]);
    const reasons = decision.refused.map((r) => `${r.path}: ${r.reason}`);
    expect(reasons.filter((r) => r.includes("points outside the repository"))).toHaveLength(3);
    expect(reasons.filter((r) => r.includes("symbolic link;"))).toHaveLength(2);
  });
});
