import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { detectCheckCommands } from "../../src/core/checks/detect-commands.js";

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "crew-detect-test-"));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function write(relative: string, content: string): Promise<void> {
  await mkdir(path.dirname(path.join(dir, relative)), { recursive: true });
  await writeFile(path.join(dir, relative), content);
}

/** Puts a `python3` that cannot import pytest first on PATH (a real process, standing in for a bare Python). */
async function withPythonWithoutPytest<T>(body: () => Promise<T>): Promise<T> {
  const bin = path.join(dir, ".fake-bin");
  await mkdir(bin);
  await writeFile(path.join(bin, "python3"), '#!/bin/sh\necho "ModuleNotFoundError: No module named pytest" >&2\nexit 1\n');
  await chmod(path.join(bin, "python3"), 0o755);
  const saved = process.env.PATH;
  process.env.PATH = `${bin}:${saved}`;
  try {
    return await body();
  } finally {
    process.env.PATH = saved;
  }
}

describe("detectCheckCommands", () => {
  it("uses package.json scripts", async () => {
    await write("package.json", JSON.stringify({ scripts: { test: "node --test", lint: "eslint .", typecheck: "tsc --noEmit" } }));
    expect(await detectCheckCommands(dir, {})).toEqual({
      test: { command: "npm test", source: "package.json scripts.test" },
      lint: { command: "npm run lint --silent", source: "package.json scripts.lint" },
      typecheck: { command: "npm run typecheck --silent", source: "package.json scripts.typecheck" },
    });
  });

  it("ignores npm's placeholder test script", async () => {
    await write("package.json", JSON.stringify({ scripts: { test: 'echo "Error: no test specified" && exit 1' } }));
    expect(await detectCheckCommands(dir, {})).toEqual({});
  });

  it("lets the config override what the repository suggests", async () => {
    await write("package.json", JSON.stringify({ scripts: { test: "jest", lint: "eslint ." } }));
    expect(await detectCheckCommands(dir, { test: "make check", lint: "ruff ." })).toEqual({
      test: { command: "make check", source: "config" },
      lint: { command: "ruff .", source: "config" },
    });
  });

  it("falls back to unittest for Python tests when pytest is not importable", async () => {
    await write("calc.py", "def add(a, b):\n    return a + b\n");
    await write("test_calc.py", "import unittest\n");
    const found = await withPythonWithoutPytest(() => detectCheckCommands(dir, {}));
    expect(found.test?.command).toBe("python3 -m unittest discover -v");
    expect(found.test?.source).toContain("test_calc.py");
  });

  it("starts unittest discovery in a plain tests folder, which discovery would not enter", async () => {
    await write("tests/test_calc.py", "import unittest\n");
    const found = await withPythonWithoutPytest(() => detectCheckCommands(dir, {}));
    expect(found.test?.command).toBe("python3 -m unittest discover -v -s tests");
  });

  it("uses go test and cargo test for Go and Rust projects", async () => {
    await write("go.mod", "module example.com/x\n");
    expect((await detectCheckCommands(dir, {})).test).toEqual({ command: "go test ./...", source: "go.mod" });
    await rm(path.join(dir, "go.mod"));
    await write("Cargo.toml", "[package]\nname = 'x'\n");
    expect((await detectCheckCommands(dir, {})).test).toEqual({ command: "cargo test", source: "Cargo.toml" });
  });

  it("finds nothing in a repository without tests", async () => {
    await write("README.md", "# hi\n");
    expect(await detectCheckCommands(dir, {})).toEqual({});
  });
});
