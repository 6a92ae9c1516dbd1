import { describe, expect, it } from "vitest";
import { helpText, MAX_INSTRUCTION_LENGTH, parseCommand } from "../../src/core/work/commands.js";

describe("parseCommand", () => {
  it("reads the keywords, in any case, with trailing punctuation", () => {
    expect(parseCommand("/codegen retry")).toEqual({ type: "retry" });
    expect(parseCommand("/codegen STOP!")).toEqual({ type: "stop" });
    expect(parseCommand("  /codegen help.")).toEqual({ type: "help", reason: "asked" });
    expect(parseCommand("/Codegen Retry")).toEqual({ type: "retry" });
  });

  it("takes anything else as an instruction: the rest of the line and the lines below it", () => {
    expect(parseCommand("/codegen also handle empty strings, with a test")).toEqual({ type: "instruction", text: "also handle empty strings, with a test" });
    expect(parseCommand("Thanks!\n/codegen please:\n- rename it\n- add a test\n")).toEqual({ type: "instruction", text: "please:\n- rename it\n- add a test" });
    // A keyword followed by more words is an instruction, not the keyword.
    expect(parseCommand("/codegen stop using regexes here")).toEqual({ type: "instruction", text: "stop using regexes here" });
    expect(parseCommand("/codegen\r\nfix the typo")).toEqual({ type: "instruction", text: "fix the typo" });
  });

  it("answers help for an empty command and for an instruction over the bound", () => {
    expect(parseCommand("/codegen")).toEqual({ type: "help", reason: "empty" });
    expect(parseCommand("/codegen   \n  ")).toEqual({ type: "help", reason: "empty" });
    expect(parseCommand(`/codegen ${"x".repeat(MAX_INSTRUCTION_LENGTH + 1)}`)).toEqual({ type: "help", reason: "too-long" });
    expect(parseCommand(`/codegen ${"x".repeat(MAX_INSTRUCTION_LENGTH)}`)).toMatchObject({ type: "instruction" });
  });

  it("ignores comments that only mention the command: inside text, code fences, indented code, quotes, or a longer word", () => {
    for (const body of [
      "You can type /codegen retry to start again",
      "```\n/codegen retry\n```",
      "~~~~sh\n/codegen stop\n~~~~\nno command here",
      "    /codegen retry",
      "> /codegen stop\n\nI agree with that",
      "/codegenretry",
      "/codegen-bot retry",
      "",
    ]) {
      expect(parseCommand(body), body).toBeUndefined();
    }
  });

  it("finds the command after a closed fence, and not inside one opened by a longer fence", () => {
    expect(parseCommand("```js\nx()\n```\n/codegen retry")).toEqual({ type: "retry" });
    expect(parseCommand("````\n```\n/codegen retry\n````")).toBeUndefined();
  });

  it("the help text lists every command and none of its lines is itself a command", () => {
    const text = helpText();
    for (const command of ["/codegen <instruction>", "/codegen retry", "/codegen stop", "/codegen help"]) expect(text).toContain(command);
    expect(parseCommand(text)).toBeUndefined();
  });
});
