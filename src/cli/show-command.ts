import path from "node:path";
import { ConfigError } from "../core/errors.js";
import type { ChatMessage } from "../core/model/model-client.js";
import { readTranscript } from "../core/model/transcript.js";
import { lastRunDir } from "./local-run.js";

/** Prints what an agent was asked and what it answered in the repository's last run. */
export async function runShowCommand(repo: string, agent: string, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const dir = await lastRunDir(path.resolve(repo));
  if (!dir) throw new ConfigError(`no previous run in ${repo}: run \`codegen-crew run\` first`);
  const transcript = await readTranscript(path.join(dir, "transcript.jsonl"));
  const calls = transcript.calls.filter((c) => c.agent === agent);
  if (calls.length === 0) {
    out.write(`The ${agent} was not called in the last run (${dir}).\n`);
    return 0;
  }
  for (const call of calls) {
    out.write(`\n===== ${agent} · call ${call.seq} · ${call.phase}${call.round ? ` round ${call.round}` : ""} =====\n`);
    const messages = (call.request as { messages?: ChatMessage[] }).messages ?? [];
    // The shared system context is long and identical across agents: show the part that is this call's own.
    for (const message of messages.slice(1)) out.write(`\n--- ${message.role} ---\n${renderMessage(message)}\n`);
    if ("response" in call) {
      out.write(`\n--- answer ---\n`);
      for (const toolCall of call.response.message.tool_calls ?? []) out.write(`${toolCall.function.name}(${prettyJson(toolCall.function.arguments)})\n`);
      if (call.response.message.content) out.write(`${call.response.message.content}\n`);
    } else {
      out.write(`\n--- failed ---\n${call.error.name}: ${call.error.message}\n`);
    }
  }
  return 0;
}

function renderMessage(message: ChatMessage): string {
  if (message.role === "assistant") {
    return [message.content ?? "", ...(message.tool_calls ?? []).map((c) => `${c.function.name}(${c.function.arguments})`)].filter(Boolean).join("\n");
  }
  return message.content;
}

function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}
