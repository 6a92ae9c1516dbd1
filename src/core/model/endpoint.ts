import { ConfigError } from "../errors.js";

export const DEFAULT_BASE_URL = "https://openrouter.ai/api/v1";

export interface ModelEndpoint {
  baseURL: string;
  apiKey: string;
  azure?: { endpoint: string; apiVersion: string; deployment?: string };
}

/**
 * Where the model lives, from the environment (the same names for the CLI, the app and the Action's
 * fallbacks): OPENAI_API_KEY or OPENROUTER_API_KEY, OPENAI_BASE_URL; Azure OpenAI when
 * AZURE_OPENAI_ENDPOINT is set (key AZURE_OPENAI_API_KEY, version OPENAI_API_VERSION).
 */
export function resolveEndpoint(env: NodeJS.ProcessEnv, overrides: { apiKey?: string; baseURL?: string } = {}): ModelEndpoint {
  if (env.AZURE_OPENAI_ENDPOINT && !overrides.baseURL) {
    const apiKey = overrides.apiKey ?? env.AZURE_OPENAI_API_KEY;
    if (!apiKey) throw new ConfigError("AZURE_OPENAI_ENDPOINT is set but AZURE_OPENAI_API_KEY is not", { key: "AZURE_OPENAI_API_KEY" });
    return {
      baseURL: env.AZURE_OPENAI_ENDPOINT,
      apiKey,
      azure: {
        endpoint: env.AZURE_OPENAI_ENDPOINT,
        apiVersion: env.OPENAI_API_VERSION ?? "2024-10-21",
        ...(env.AZURE_OPENAI_DEPLOYMENT ? { deployment: env.AZURE_OPENAI_DEPLOYMENT } : {}),
      },
    };
  }
  const apiKey = overrides.apiKey || env.OPENAI_API_KEY || env.OPENROUTER_API_KEY;
  if (!apiKey) {
    throw new ConfigError("no API key: set OPENAI_API_KEY or OPENROUTER_API_KEY (or run `codegen-crew demo`, which needs none)", {
      key: "OPENAI_API_KEY",
    });
  }
  return { baseURL: overrides.baseURL || env.OPENAI_BASE_URL || DEFAULT_BASE_URL, apiKey };
}

/** Secret values that must never reach a sandboxed process, a log line or a report. */
export function knownSecrets(env: NodeJS.ProcessEnv, extra: (string | undefined)[] = []): string[] {
  const names = ["OPENAI_API_KEY", "OPENROUTER_API_KEY", "AZURE_OPENAI_API_KEY", "GITHUB_TOKEN", "GH_TOKEN"];
  return [...new Set([...names.map((n) => env[n]), ...extra].filter((v): v is string => typeof v === "string" && v.length >= 6))];
}
