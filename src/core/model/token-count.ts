import { CrewError } from "../errors.js";
import type { ChatMessage } from "./model-client.js";

type Encoding = typeof import("gpt-tokenizer/encoding/o200k_base");
let encoding: Encoding | undefined;
let loading: Promise<void> | undefined;

/**
 * Loads the tokenizer's tables (about 70 MB once built). Loaded on first need rather than at start-up, so
 * `--help`, skipped Action runs and the app's webhook server do not pay for it. Every path that counts tokens
 * (the model stack, the context builder) awaits this first.
 */
export function loadTokenizer(): Promise<void> {
  loading ??= import("gpt-tokenizer/encoding/o200k_base").then((module) => {
    encoding = module;
  });
  return loading;
}

/**
 * BPE merging is quadratic in the length of one pre-token, and untrusted text can be one 100,000-character
 * "word" (5 s to count at once). Counting in pieces cut at whitespace keeps it linear; a cut costs at most
 * one token of accuracy per piece.
 */
const PIECE_CHARS = 2_000;

function countO200k(text: string, options: { disallowedSpecial: Set<string> }): number {
  if (!encoding) throw new CrewError("token counting before loadTokenizer(): a caller skipped the await");
  let total = 0;
  for (let start = 0; start < text.length;) {
    let end = Math.min(text.length, start + PIECE_CHARS);
    if (end < text.length) {
      const space = text.lastIndexOf(" ", end);
      const newline = text.lastIndexOf("\n", end);
      const cut = Math.max(space, newline);
      if (cut > start + PIECE_CHARS / 2) end = cut;
      else if (/[\uD800-\uDBFF]/.test(text.charAt(end - 1))) end -= 1; // never split a surrogate pair
    }
    total += encoding.countTokens(text.slice(start, end), options);
    start = end;
  }
  return total;
}

/**
 * Token counts are estimates: they use OpenAI's o200k_base encoding, and other providers (DeepSeek,
 * Llama, Qwen…) tokenise differently, typically within ±20 %. Good enough for budgets and context
 * trimming; the provider's reported usage is what the run report and cost use.
 */
const EXACT_LIMIT_CHARS = 200_000;
const SAMPLE_CHARS = 50_000;
// Untrusted text may contain "<|endoftext|>" and friends: count them as plain text instead of throwing.
const PLAIN_TEXT = { disallowedSpecial: new Set<string>() };

export function countTokens(text: string): number {
  if (text.length === 0) return 0;
  if (text.length <= EXACT_LIMIT_CHARS) return countO200k(text, PLAIN_TEXT);
  // Huge inputs (a vendored file, a log): extrapolate from a head-and-tail sample rather than spend
  // seconds tokenising megabytes for an estimate.
  const half = SAMPLE_CHARS / 2;
  const sample = text.slice(0, half) + text.slice(-half);
  const perChar = countO200k(sample, PLAIN_TEXT) / sample.length;
  return Math.ceil(perChar * text.length);
}

// The chat format wraps every message in a few tokens (role, separators) and primes the reply.
const PER_MESSAGE_OVERHEAD = 4;
const REPLY_PRIMING = 3;

export function countMessageTokens(messages: readonly ChatMessage[]): number {
  let total = REPLY_PRIMING;
  for (const message of messages) {
    total += PER_MESSAGE_OVERHEAD + countTokens(message.role);
    if (message.role === "assistant") {
      total += countTokens(message.content ?? "");
      for (const call of message.tool_calls ?? []) {
        total += countTokens(call.function.name) + countTokens(call.function.arguments) + PER_MESSAGE_OVERHEAD;
      }
    } else {
      total += countTokens(message.content);
    }
  }
  return total;
}
