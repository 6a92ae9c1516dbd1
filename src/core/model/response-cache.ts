import { createHash, randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { ModelClient, ModelRequest, ModelResponse } from "./model-client.js";

/**
 * Opt-in on-disk cache of model answers, for iterating on prompts and demos without paying twice.
 * The key covers everything that shapes the answer; a hit costs (almost) nothing because its prompt
 * is accounted as cached tokens and nothing was generated.
 */
export class CachingModelClient implements ModelClient {
  private readonly dir: string;
  private readonly inner: ModelClient;

  constructor(options: { dir: string; inner: ModelClient }) {
    this.dir = options.dir;
    this.inner = options.inner;
  }

  async complete(request: ModelRequest): Promise<ModelResponse> {
    const key = cacheKey(request.body);
    const file = path.join(this.dir, `${key}.json`);
    const stored = await readEntry(file, key);
    if (stored) {
      return {
        ...stored,
        latencyMs: 0,
        retries: 0,
        usage: { promptTokens: stored.usage.promptTokens, cachedTokens: stored.usage.promptTokens, completionTokens: 0 },
      };
    }
    const response = await this.inner.complete(request);
    // A cut-off answer would be served forever, defeating the caller's retry with a larger budget.
    if (response.finishReason !== "length" && response.finishReason !== "content_filter") {
      await this.write(file, key, response);
    }
    return response;
  }

  private async write(file: string, key: string, response: ModelResponse): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const temp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
    try {
      await writeFile(temp, JSON.stringify({ version: 1, key, response }), "utf8");
      await rename(temp, file);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }
}

export function cacheKey(body: ModelRequest["body"]): string {
  const keyed = {
    model: body.model,
    messages: body.messages,
    tools: body.tools,
    tool_choice: body.tool_choice,
    response_format: body.response_format,
    temperature: body.temperature,
  };
  return createHash("sha256").update(canonicalJson(keyed)).digest("hex");
}

/** JSON with sorted keys and no undefined members, so equal requests hash equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value)
      .filter(([, inner]) => inner !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, inner]) => `${JSON.stringify(key)}:${canonicalJson(inner)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

async function readEntry(file: string, key: string): Promise<ModelResponse | undefined> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    return undefined;
  }
  try {
    const entry = JSON.parse(text) as { version?: unknown; key?: unknown; response?: ModelResponse };
    // A damaged or foreign file is a miss; the fresh answer overwrites it.
    return entry.version === 1 && entry.key === key && entry.response?.message ? entry.response : undefined;
  } catch {
    return undefined;
  }
}
