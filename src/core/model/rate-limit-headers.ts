/**
 * How long until a provider's request quota refills, when its headers say the quota is spent: OpenAI's
 * `x-ratelimit-remaining-requests: 0` with `x-ratelimit-reset-requests: 1s` / `6m0s` / `250ms`, or the
 * `x-ratelimit-remaining` / `x-ratelimit-reset` pair (OpenRouter's, the reset as epoch milliseconds).
 * Undefined while requests remain or the headers are absent or unreadable.
 */
export function requestQuotaResetMs(headers: Headers | undefined, now = Date.now()): number | undefined {
  if (!headers) return undefined;
  if (headers.get("x-ratelimit-remaining-requests")?.trim() === "0") return parseDuration(headers.get("x-ratelimit-reset-requests"));
  if (headers.get("x-ratelimit-remaining")?.trim() === "0") {
    const reset = Number(headers.get("x-ratelimit-reset") ?? Number.NaN);
    // Epoch milliseconds (13 digits) or seconds; anything else is not a time this code can trust.
    if (reset > 1e12) return Math.max(0, reset - now);
    if (reset > 1e9) return Math.max(0, reset * 1000 - now);
  }
  return undefined;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `6m0s`, `1.5s`, `250ms`, or a bare number of seconds. */
function parseDuration(value: string | null): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)];
  if (parts.length === 0 || parts.map((part) => part[0]).join("") !== text) return undefined;
  return parts.reduce((sum, part) => sum + Number(part[1]) * UNIT_MS[part[2]!]!, 0);
}
