import path from "node:path";

/**
 * Repository instruction files: the conventions a project writes down for agents and contributors
 * (AGENTS.md, CLAUDE.md, Copilot's instructions, CONTRIBUTING.md). The root ones always apply; an AGENTS.md
 * deeper down applies to the folder it sits in, so it is read for the folders the task touches.
 */

/** Root-level files, in the order they are offered (the first ones win when the budget is short). */
export const ROOT_INSTRUCTION_FILES = ["AGENTS.md", "CLAUDE.md", ".github/copilot-instructions.md", "CONTRIBUTING.md", ".github/CONTRIBUTING.md"] as const;

const NESTED_INSTRUCTION_FILE = "AGENTS.md";

/** A single instruction file gets at most this many tokens: conventions, not a manual. */
export const INSTRUCTION_FILE_TOKENS = 1_500;
/** All instruction files together get at most this share of the context budget. */
export const INSTRUCTIONS_SHARE = 0.15;

export function rootInstructionFiles(files: ReadonlySet<string>): string[] {
  return ROOT_INSTRUCTION_FILES.filter((file) => files.has(file));
}

/** AGENTS.md files in the folders holding `touched` files and their parents (below the root), shallowest first. */
export function nestedInstructionFiles(files: ReadonlySet<string>, touched: readonly string[]): string[] {
  const found = new Set<string>();
  for (const file of touched) {
    let dir = path.posix.dirname(file);
    while (dir !== "." && dir !== "/" && dir !== "") {
      const candidate = `${dir}/${NESTED_INSTRUCTION_FILE}`;
      if (files.has(candidate)) found.add(candidate);
      dir = path.posix.dirname(dir);
    }
  }
  return [...found].sort((a, b) => a.split("/").length - b.split("/").length || a.localeCompare(b));
}

/** Whether `file` is read as an instruction file (when it applies) rather than ranked like source. */
export function isInstructionFile(file: string): boolean {
  return (ROOT_INSTRUCTION_FILES as readonly string[]).includes(file) || path.posix.basename(file) === NESTED_INSTRUCTION_FILE;
}
