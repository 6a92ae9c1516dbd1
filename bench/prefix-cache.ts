// Prefix cache: how much of the run's prompt tokens a provider's prefix cache could serve, measured on the demo's
// recorded run (fixtures/demo/transcript.jsonl) as each call's longest common prefix with any earlier call.
//   npm run bench          (or: npx tsx bench/prefix-cache.ts [transcript.jsonl] for one transcript alone)
import { pathToFileURL } from "node:url";
import type { ModelRequest } from "../src/core/model/model-client.js";
import { countTokens, loadTokenizer } from "../src/core/model/token-count.js";
import { readTranscript } from "../src/core/model/transcript.js";
import { demoTranscriptPath } from "../src/demo/offline-model.js";

export interface PrefixShare {
  calls: number;
  promptTokens: number;
  /** Tokens of each call that are a prefix it shares with an earlier call of the run. */
  sharedPrefixTokens: number;
  /** Tokens of the system message alone (the shared context): the floor the layout starts from. */
  systemTokens: number;
}

/**
 * The prompt as a provider sees it, message after message. Tool definitions are left out: they are
 * per role (the answer function), and where a provider puts them first they shorten every prefix alike.
 */
function promptOf(body: ModelRequest["body"]): string {
  return body.messages.map((m) => `<|${m.role}|>\n${m.content ?? ""}${"tool_calls" in m && m.tool_calls ? JSON.stringify(m.tool_calls) : ""}`).join("\n");
}

function commonPrefixLength(a: string, b: string): number {
  const max = Math.min(a.length, b.length);
  let i = 0;
  while (i < max && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

export async function measurePrefixShare(transcriptPath: string): Promise<PrefixShare> {
  await loadTokenizer();
  const transcript = await readTranscript(transcriptPath);
  const earlier: string[] = [];
  const result: PrefixShare = { calls: 0, promptTokens: 0, sharedPrefixTokens: 0, systemTokens: 0 };
  for (const call of transcript.calls) {
    const prompt = promptOf(call.request);
    const longest = Math.max(0, ...earlier.map((other) => commonPrefixLength(prompt, other)));
    result.calls += 1;
    result.promptTokens += await countTokens(prompt);
    // Counted on the text cut at the shared prefix: a token that straddles the cut is not shared.
    result.sharedPrefixTokens += longest > 0 ? (await countTokens(prompt.slice(0, longest))) - 1 : 0;
    result.systemTokens += await countTokens(call.request.messages.find((m) => m.role === "system")?.content ?? "");
    earlier.push(prompt);
  }
  return result;
}

export default async function prefixCache(row: (name: string, value: string) => void): Promise<void> {
  const share = await measurePrefixShare(demoTranscriptPath());
  const percent = (part: number) => `${((part / share.promptTokens) * 100).toFixed(0)}%`;
  row("demo run: model calls", String(share.calls));
  row(
    "demo run: prompt tokens that are a prefix shared with an earlier call (target ≥ 60%)",
    `${percent(share.sharedPrefixTokens)} of ${share.promptTokens.toLocaleString("en-US")}`,
  );
  row("demo run: prompt tokens in the shared system message alone", percent(share.systemTokens));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const file = process.argv[2] ?? demoTranscriptPath();
  const share = await measurePrefixShare(file);
  console.log(
    JSON.stringify({
      file,
      ...share,
      sharedPercent: +((share.sharedPrefixTokens / share.promptTokens) * 100).toFixed(1),
      systemPercent: +((share.systemTokens / share.promptTokens) * 100).toFixed(1),
    }),
  );
}
