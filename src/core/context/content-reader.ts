import { classifyContent } from "./file-classifier.js";
import { readRepoFile } from "./safe-read.js";

/**
 * Reads repository files for the context builder, once each: symlinks out of the repository, binary and
 * generated content become omissions with a reason, vanished files and directories are skipped quietly.
 */
export type LoadedFile = { kind: "text"; text: string; size: number; bytesRead: number; complete: boolean } | { kind: "omit"; reason: string } | { kind: "skip" };

export class ContentReader {
  private readonly cache = new Map<string, LoadedFile>();

  constructor(private readonly root: string) {}

  /** Reads at most `maxBytes`; a cached shorter read is redone when more is asked for. */
  async load(file: string, maxBytes: number): Promise<LoadedFile> {
    const cached = this.cache.get(file);
    if (cached && (cached.kind !== "text" || cached.complete || cached.bytesRead >= maxBytes)) return cached;
    const loaded = await this.read(file, maxBytes);
    this.cache.set(file, loaded);
    return loaded;
  }

  private async read(file: string, maxBytes: number): Promise<LoadedFile> {
    const result = await readRepoFile(this.root, file, maxBytes);
    if (!result.ok) {
      switch (result.problem) {
        case "missing":
        case "not-a-file":
          return { kind: "skip" };
        case "escapes":
        case "absolute":
          return { kind: "omit", reason: "symlink pointing outside the repository" };
        case "git-dir":
          return { kind: "omit", reason: "leads into .git" };
        default:
          return { kind: "omit", reason: "unreadable" };
      }
    }
    const exclusion = classifyContent(result.content);
    if (exclusion) return { kind: "omit", reason: exclusion.reason };
    return {
      kind: "text",
      text: result.content.toString("utf8"),
      size: result.size,
      bytesRead: result.content.length,
      complete: !result.truncated,
    };
  }
}
