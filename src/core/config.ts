import { parse as parseYaml, YAMLParseError } from "yaml";
import { z } from "zod";
import { ConfigError } from "./errors.js";
import { ROLE_NAMES, type RoleName } from "./roles/role-names.js";

export const DEFAULT_CONFIG_PATH = ".github/codegen-crew.yml";

const roleMap = <T extends z.ZodType>(value: T) => z.strictObject(Object.fromEntries(ROLE_NAMES.map((role) => [role, value.optional()])) as Record<RoleName, z.ZodOptional<T>>);

const price = z.strictObject({
  input: z.number().nonnegative().describe("USD per million prompt tokens"),
  output: z.number().nonnegative().describe("USD per million completion tokens"),
  cached_input: z.number().nonnegative().optional().describe("USD per million cached prompt tokens"),
});

/** The schema of `.github/codegen-crew.yml`; every key is optional and has a default. */
export const crewConfigSchema = z.strictObject({
  label: z.string().min(1).default("codegen"),
  model: z.string().min(1).optional(),
  models: roleMap(z.string().min(1)).default({}),
  temperatures: roleMap(z.number().min(0).max(2)).default({}),
  retries: roleMap(z.int().min(0).max(10)).default({}),
  max_rounds: z.int().min(0).max(10).default(3),
  budget: z
    .strictObject({
      tokens: z.int().positive().default(400_000),
      cost_usd: z.number().positive().default(2),
      minutes: z.number().positive().default(30),
    })
    .default({ tokens: 400_000, cost_usd: 2, minutes: 30 }),
  test: z.string().min(1).optional(),
  lint: z.string().min(1).optional(),
  install: z.string().min(1).optional(),
  install_python: z.boolean().default(false),
  paths: z
    .strictObject({
      allow: z.array(z.string().min(1)).optional(),
      deny: z.array(z.string().min(1)).default([]),
    })
    .default({ deny: [] }),
  structured: z.enum(["tools", "json_schema"]).default("tools"),
  model_timeout_seconds: z.number().positive().default(120),
  command_timeout_seconds: z.number().positive().default(300),
  /** A hard cap, evenly spaced, for providers that publish one; off by default (the 429s steer the limiter). */
  requests_per_minute: z.int().positive().optional(),
  max_concurrent_requests: z.int().min(1).max(100).default(8),
  context_tokens: z.int().min(1000).default(24_000),
  prices: z.record(z.string(), price).default({}),
});

export type CrewConfig = z.infer<typeof crewConfigSchema>;
export type ModelPrice = z.infer<typeof price>;

export function defaultConfig(): CrewConfig {
  return crewConfigSchema.parse({});
}

/**
 * Validates raw config (already parsed from YAML/JSON). `source` names where it came from so that every
 * error says which file and which key was wrong.
 */
export function parseConfig(raw: unknown, source = DEFAULT_CONFIG_PATH): CrewConfig {
  const result = crewConfigSchema.safeParse(raw ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const parent = issue.path.map(String).join(".");
  if (issue.code === "unrecognized_keys") {
    const key = [parent, issue.keys[0]].filter(Boolean).join(".");
    const roleHint = ["models", "temperatures", "retries"].includes(parent) ? ` (expected a role: ${ROLE_NAMES.join(", ")})` : "";
    const where = parent ? ` in "${parent}"` : "";
    return throwConfig(`${source}: unknown key "${issue.keys.join('", "')}"${where}${roleHint}`, source, key);
  }
  return throwConfig(`${source}: key "${parent || "(top level)"}": ${issue.message}`, source, parent || undefined);
}

function throwConfig(message: string, file: string, key?: string): never {
  throw new ConfigError(message, { file, ...(key ? { key } : {}) });
}

/**
 * A real config is a few hundred bytes. The cap comes before YAML parsing, whose cost grows with the text:
 * a 10 MB list of path patterns keeps the process busy for about a minute.
 */
export const MAX_CONFIG_BYTES = 64 * 1024;

export function parseConfigText(text: string, source: string): CrewConfig {
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > MAX_CONFIG_BYTES) {
    throw new ConfigError(`${source}: the file is ${Math.ceil(bytes / 1024)} KiB; a config file may be at most ${MAX_CONFIG_BYTES / 1024} KiB`, { file: source });
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    const line = error instanceof YAMLParseError && error.linePos ? ` (line ${error.linePos[0].line})` : "";
    throw new ConfigError(`${source}: not valid YAML${line}: ${(error as Error).message.split("\n")[0]}`, { file: source });
  }
  if (raw !== null && raw !== undefined && (typeof raw !== "object" || Array.isArray(raw))) {
    throw new ConfigError(`${source}: expected a mapping of keys at the top level`, { file: source });
  }
  return parseConfig(raw ?? {}, source);
}
