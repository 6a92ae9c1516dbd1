// The tokenizer's own thread (see tokenizer-thread.ts for why). Plain JavaScript so that it runs unchanged
// from the sources (tests, tsx) and, bundled with its tables, as dist/token-worker.mjs beside the bundles.
import { parentPort } from "node:worker_threads";

// Untrusted text may contain "<|endoftext|>" and friends: count them as plain text instead of throwing.
const PLAIN_TEXT = { disallowedSpecial: new Set() };

try {
  const { countTokens } = await import("gpt-tokenizer/encoding/o200k_base");
  parentPort.on("message", ({ id, pieces }) => {
    try {
      parentPort.postMessage({ id, counts: pieces.map((piece) => countTokens(piece, PLAIN_TEXT)) });
    } catch (error) {
      parentPort.postMessage({ id, error: String(error instanceof Error ? error.message : error) });
    }
  });
  parentPort.postMessage({ ready: true });
} catch (error) {
  parentPort.postMessage({ loadError: String(error instanceof Error ? error.message : error) });
}
