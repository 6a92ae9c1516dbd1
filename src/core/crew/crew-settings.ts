import type { AgentSettings } from "../agent/call-agent.js";
import type { CrewConfig } from "../config.js";
import { roles } from "../roles/index.js";
import type { RoleName } from "../roles/role-names.js";

export const DEFAULT_MODEL = "deepseek/deepseek-chat";

const MAX_TOOL_ROUNDS = 6;

/** Per-role settings: config overrides win over the role's defaults, the run's model over the global default. */
export function agentSettings(config: CrewConfig, role: RoleName, runModel: string | undefined): AgentSettings {
  return {
    model: config.models[role] ?? runModel ?? config.model ?? DEFAULT_MODEL,
    temperature: config.temperatures[role] ?? roles[role].temperature,
    maxRetries: config.retries[role],
    structured: config.structured,
    maxToolRounds: MAX_TOOL_ROUNDS,
  };
}
