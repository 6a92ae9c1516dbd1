import type { ChatMessage } from "./model-client.js";
import { tokenizerThread } from "./tokenizer-thread.js";

/** Waits until the tokenizer can count (benchmarks use it to keep the start-up out of their figures). */
export function loadTokenizer(): Promise<void> {
  return tokenizerThread().whenReady();
}

/**
 * A ceiling on a text's token count that needs no tokenizer: byte-level BPE encodings (o200k, and DeepSeek's,
 * Llama 3's and Qwen's alike) cut the text's UTF-8 bytes into tokens of at least one byte each. Where the
 * ceiling already fits a limit, the exact count — whose tables cost ~0.5 s of CPU to build — is not needed.
 */
export function tokenCeiling(text: string): number {
  return Buffer.byteLength(text, "utf8");
}

/**
 * BPE merging is quadratic in the length of one pre-token, and untrusted text can be one 100,000-character
 * "word" (5 s to count at once). Counting in pieces cut at whitespace keeps it linear; a cut costs at most
 * one token of accuracy per piece.
 */
const PIECE_CHARS = 2_000;

export function tokenPieces(text: string): string[] {
  const pieces: string[] = [];
  for (let start = 0; start < text.length;) {
    let end = Math.min(text.length, start + PIECE_CHARS);
    if (end < text.length) {
      const space = text.lastIndexOf(" ", end);
      const newline = text.lastIndexOf("\n", end);
      const cut = Math.max(space, newline);
      if (cut > start + PIECE_CHARS / 2) end = cut;
      else if (/[\uD800-\uDBFF]/.test(text.charAt(end - 1))) end -= 1; // never split a surrogate pair
    }
    pieces.push(text.slice(start, end));
    start = end;
  }
  return pieces;
}

/**
 * Token counts are estimates: they use OpenAI's o200k_base encoding, and other providers (DeepSeek,
 * Llama, Qwen…) tokenise differently, typically within ±20 %. Good enough for budgets and context
 * trimming; the provider's reported usage is what the run report and cost use.
 */
const EXACT_LIMIT_CHARS = 200_000;
const SAMPLE_CHARS = 50_000;

/** What to count for `text`, and how to turn the pieces' counts into its estimate. */
function countPlan(text: string): { pieces: string[]; total(counts: number[]): number } {
  const sum = (counts: number[]) => counts.reduce((a, b) => a + b, 0);
  if (text.length <= EXACT_LIMIT_CHARS) return { pieces: tokenPieces(text), total: sum };
  // Huge inputs (a vendored file, a log): extrapolate from a head-and-tail sample rather than spend
  // seconds tokenising megabytes for an estimate.
  const half = SAMPLE_CHARS / 2;
  const sample = text.slice(0, half) + text.slice(-half);
  return { pieces: tokenPieces(sample), total: (counts) => Math.ceil((sum(counts) / sample.length) * text.length) };
}

/** Token counts of several texts, in one exchange with the tokenizer's thread. */
export async function countTokensOfEach(texts: readonly string[]): Promise<number[]> {
  const plans = texts.map(countPlan);
  const counts = await tokenizerThread().count(plans.flatMap((plan) => plan.pieces));
  let at = 0;
  return plans.map((plan) => {
    const mine = counts.slice(at, at + plan.pieces.length);
    at += plan.pieces.length;
    return plan.total(mine);
  });
}

export async function countTokens(text: string): Promise<number> {
  if (text.length === 0) return 0;
  return (await countTokensOfEach([text]))[0]!;
}

// The chat format wraps every message in a few tokens (role, separators) and primes the reply.
const PER_MESSAGE_OVERHEAD = 4;
const REPLY_PRIMING = 3;

export async function countMessageTokens(messages: readonly ChatMessage[]): Promise<number> {
  const { texts, overhead } = messageTexts(messages);
  return overhead + (await countTokensOfEach(texts)).reduce((a, b) => a + b, 0);
}

/** `countMessageTokens`'s ceiling: never below it, and free. */
export function messageTokenCeiling(messages: readonly ChatMessage[]): number {
  const { texts, overhead } = messageTexts(messages);
  return overhead + texts.reduce((sum, text) => sum + tokenCeiling(text), 0);
}

/** The texts a provider tokenises for `messages`, and the tokens its chat format adds around them. */
function messageTexts(messages: readonly ChatMessage[]): { texts: string[]; overhead: number } {
  const texts: string[] = [];
  let overhead = REPLY_PRIMING;
  for (const message of messages) {
    overhead += PER_MESSAGE_OVERHEAD;
    texts.push(message.role);
    if (message.role === "assistant") {
      texts.push(message.content ?? "");
      for (const call of message.tool_calls ?? []) {
        texts.push(call.function.name, call.function.arguments);
        overhead += PER_MESSAGE_OVERHEAD;
      }
    } else {
      texts.push(message.content);
    }
  }
  return { texts, overhead };
}
