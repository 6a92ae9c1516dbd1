import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";

/** A parser's verdict on one file: checked (with its failures), or not checked and why. */
export type SyntaxVerdict = { checked: true; failures: string[] } | { checked: false; reason: string };

/**
 * Verdicts of one run's syntax checks, keyed by what decides them: the file's path and bytes and, for
 * JavaScript, the package.json files above it (their "type" decides how node parses it). A file the static
 * check already parsed is not parsed again by the round's checks unless it changed; every parse of a
 * JavaScript file costs a sandbox launch.
 */
export class SyntaxMemo {
  private readonly verdicts = new Map<string, SyntaxVerdict>();

  async keyOf(dir: string, file: string, javascript: boolean): Promise<string | null> {
    const content = await readFile(path.join(dir, file)).catch(() => null);
    if (content === null) return null;
    const hash = createHash("sha256").update(file).update("\0").update(content);
    if (javascript) {
      for (let folder = path.posix.dirname(file); ; folder = path.posix.dirname(folder)) {
        const manifest = await readFile(path.join(dir, folder, "package.json")).catch(() => null);
        hash.update("\0").update(manifest ?? "");
        if (folder === "." || folder === "/" || folder === "") break;
      }
    }
    return hash.digest("hex");
  }

  get(key: string | null): SyntaxVerdict | undefined {
    return key === null ? undefined : this.verdicts.get(key);
  }

  /** Only verdicts a parser reached are kept: "timed out" or "not installed" may change on the next try. */
  remember(key: string | null, verdict: SyntaxVerdict): void {
    if (key !== null && verdict.checked) this.verdicts.set(key, verdict);
  }
}
