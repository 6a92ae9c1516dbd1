import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const TOKEN_COUNT = fileURLToPath(new URL("../../src/core/model/token-count.ts", import.meta.url));

/** Runs a script that uses token-count.ts in a process of its own, as an entry point would. */
function runScript(dir: string, body: string): Promise<{ code: number | null; stdout: string }> {
  const file = path.join(dir, `script-${Math.random().toString(36).slice(2)}.mts`);
  return writeFile(file, `import * as tokens from ${JSON.stringify(TOKEN_COUNT)};\n${body}\n`).then(
    () =>
      new Promise((resolve) => {
        execFile(process.execPath, ["--import", "tsx", file], { timeout: 30_000 }, (error, stdout) =>
          resolve({ code: error ? (typeof error.code === "number" ? error.code : null) : 0, stdout }),
        );
      }),
  );
}

describe("the tokenizer thread", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "codegen-crew-tokens-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("keeps the process alive for a count someone awaits, then lets it end", async () => {
    const run = await runScript(dir, `console.log(await tokens.countTokens("hello world"), (await tokens.countTokensOfEach(["a b", ""])).join(","));`);
    expect(run).toEqual({ code: 0, stdout: "2 2,0\n" });
  });
});
