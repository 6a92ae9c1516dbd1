/**
 * `/codegen …` commands in comments. A command is a line that starts with `/codegen`, outside fenced code
 * blocks and quotes (quoting someone's command, or showing one in an example, must not run it). The words
 * `retry`, `stop` and `help` alone are commands; any other text is an instruction for a revision.
 */
export type Command =
  | { type: "retry" }
  | { type: "stop" }
  /** Asked for, or the only useful answer: `/codegen` with nothing after it, or an instruction too long to take. */
  | { type: "help"; reason?: "asked" | "empty" | "too-long" }
  | { type: "instruction"; text: string };

export const COMMAND_PREFIX = "/codegen";

/**
 * Instructions are data for the crew, not a place for a whole specification: longer ones are refused with the
 * command list (the issue body is where long requests go). A bound also caps what an untrusted comment can put
 * into a prompt.
 */
export const MAX_INSTRUCTION_LENGTH = 2_000;

const KEYWORDS = new Set(["retry", "stop", "help"]);

/** The command in a comment body, or undefined when the comment is not addressed to codegen-crew. */
export function parseCommand(body: string): Command | undefined {
  const lines = body.replace(/\r\n?/g, "\n").split("\n");
  const start = commandLine(lines);
  if (start === undefined) return undefined;
  const first = lines[start]!.trimStart().slice(COMMAND_PREFIX.length);
  // The instruction is the rest of the command line and everything below it ("/codegen" then a list of asks).
  const text = [first, ...lines.slice(start + 1)].join("\n").trim();
  if (text === "") return { type: "help", reason: "empty" };
  const word = text.toLowerCase().replace(/[.!]+$/, "");
  if (KEYWORDS.has(word)) return word === "help" ? { type: "help", reason: "asked" } : { type: word as "retry" | "stop" };
  if (text.length > MAX_INSTRUCTION_LENGTH) return { type: "help", reason: "too-long" };
  return { type: "instruction", text };
}

/** Whether a comment holds a command at all (cheap: entry points call it before any API call). */
export function hasCommand(body: string | null | undefined): boolean {
  return typeof body === "string" && parseCommand(body) !== undefined;
}

/** The index of the first line that is a command, skipping fenced code blocks and block quotes. */
function commandLine(lines: string[]): number | undefined {
  let fence: string | undefined;
  for (const [index, line] of lines.entries()) {
    const trimmed = line.trimStart();
    const opening = /^(`{3,}|~{3,})/.exec(trimmed)?.[1];
    if (fence !== undefined) {
      if (opening && opening[0] === fence[0] && opening.length >= fence.length && trimmed.slice(opening.length).trim() === "") fence = undefined;
      continue;
    }
    if (opening) {
      fence = opening;
      continue;
    }
    // Markdown indents code by four spaces; a command is typed at the start of a line.
    if (line.length - trimmed.length >= 4 || trimmed.startsWith(">")) continue;
    if (trimmed.toLowerCase().startsWith(COMMAND_PREFIX) && /^(\s|$)/.test(trimmed.slice(COMMAND_PREFIX.length))) return index;
  }
  return undefined;
}

/** The reply to `/codegen help`: static text, the same in the Action and the app. */
export function helpText(): string {
  return [
    "**codegen-crew commands** (in a comment on the bot's pull request or on its issue; people with write access only):",
    "",
    "- `/codegen <instruction>`: revise the pull request as asked, e.g. `/codegen also handle empty strings, with a test`",
    "- `/codegen retry`: start again from the default branch (committed on top of the branch, never force-pushed)",
    "- `/codegen stop`: cancel the queued or running run for this issue or pull request",
    "- `/codegen help`: this list",
    "",
    "A review that requests changes, or comments with a body or inline comments, on the bot's pull request starts one revision for the whole review. Adding the trigger label (`codegen` unless the repository's config names another) to an issue starts a run.",
  ].join("\n");
}
