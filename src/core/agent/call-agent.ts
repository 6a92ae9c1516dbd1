import type { z } from "zod";
import { ModelError, type Phase } from "../errors.js";
import type { ChatMessage, ModelClient, ModelRequest, ModelResponse, ToolCall, ToolDefinition } from "../model/model-client.js";
import { answerJsonSchema, type RoleSpec } from "../roles/role-spec.js";
import { executeRepoTool, repoToolDefinitions } from "./repo-tools.js";

export interface AgentSettings {
  model: string;
  temperature: number;
  /** Transport retries per call (429, 5xx, timeouts); undefined = the client's default. */
  maxRetries: number | undefined;
  structured: "tools" | "json_schema";
  /** Exploration rounds (read_file, list_files, search) before the answer is forced. */
  maxToolRounds: number;
}

export interface AgentCall {
  phase: Phase;
  round: number;
  /** Stable text shared by every agent of the run (crew preamble, repository context, task): sent first so that
   *  providers' prefix caches hit across agents and rounds. */
  sharedContext: string;
  /** Material that later calls of the run see again (the plan, the change as it stands): sent before the role's
   *  instructions, so that agents looking at the same change share a longer prefix too. */
  material?: string;
  /** The part that is this call's own: what the role is asked, the failures to fix… */
  input: string;
  /** Where read-only exploration tools read from; no tools when absent. */
  repoDir?: string;
  signal?: AbortSignal;
}

export interface AgentAnswer<T> {
  answer: T;
  /** Model calls this answer took (exploration rounds and the corrective retry included). */
  calls: number;
  /** The conversation as sent, for `--show`. */
  messages: ChatMessage[];
}

/**
 * One agent turn: offer the role's answer function (plus read-only tools when it explores), validate the
 * answer with the role's schema, and give one corrective retry that quotes the validation error. A failure
 * is thrown, never returned as text: no other agent ever sees an error as if it were an answer.
 */
export async function callAgent<T>(model: ModelClient, spec: RoleSpec<T>, settings: AgentSettings, call: AgentCall): Promise<AgentAnswer<T>> {
  const answerTool: ToolDefinition = {
    type: "function",
    function: { name: spec.name, description: spec.answerDescription, parameters: answerJsonSchema(spec) },
  };
  const messages: ChatMessage[] = [
    { role: "system", content: call.sharedContext },
    { role: "user", content: [call.material, roleHeader(spec), call.input].filter(Boolean).join("\n\n") },
  ];
  const mayExplore = spec.explores && call.repoDir !== undefined && settings.structured === "tools" && settings.maxToolRounds > 0;
  let toolRounds = 0;
  let correctiveRetryUsed = false;
  let calls = 0;

  for (;;) {
    const exploring = mayExplore && toolRounds < settings.maxToolRounds;
    const request = buildRequest(spec, settings, call, messages, answerTool, exploring);
    const response = await model.complete(request);
    calls += 1;
    const outcome = readAnswer(spec, settings, response);

    if (outcome.kind === "explore" && exploring && call.repoDir !== undefined) {
      toolRounds += 1;
      messages.push(response.message.tool_calls ? { ...response.message, tool_calls: response.message.tool_calls } : response.message);
      for (const toolCall of outcome.calls) {
        const content = await executeRepoTool(call.repoDir, toolCall.function.name, toolCall.function.arguments);
        messages.push({ role: "tool", tool_call_id: toolCall.id, content });
      }
      continue;
    }
    if (outcome.kind === "answer") return { answer: outcome.answer, calls, messages };

    const problem = outcome.kind === "explore" ? `called ${outcome.calls.map((c) => c.function.name).join(", ")} after the exploration limit` : outcome.problem;
    if (correctiveRetryUsed) {
      throw new ModelError(`${spec.name} gave an invalid answer twice: ${problem}`, {
        kind: outcome.kind === "invalid" && outcome.truncated ? "truncated" : "invalid-answer",
        context: { phase: call.phase, agent: spec.name },
      });
    }
    correctiveRetryUsed = true;
    messages.push(...correction(spec, settings, response, problem));
  }
}

function roleHeader(spec: RoleSpec<unknown>): string {
  return `## Your role: ${spec.name}\n${spec.instructions}`;
}

function buildRequest(spec: RoleSpec<unknown>, settings: AgentSettings, call: AgentCall, messages: ChatMessage[], answerTool: ToolDefinition, exploring: boolean): ModelRequest {
  const body: ModelRequest["body"] = {
    model: settings.model,
    temperature: settings.temperature,
    messages: [...messages],
  };
  if (settings.structured === "json_schema") {
    body.response_format = {
      type: "json_schema",
      json_schema: { name: spec.name, schema: answerTool.function.parameters },
    };
  } else if (exploring) {
    body.tools = [answerTool, ...repoToolDefinitions];
    body.tool_choice = "auto";
  } else {
    body.tools = [answerTool];
    body.tool_choice = { type: "function", function: { name: spec.name } };
  }
  return {
    agent: spec.name,
    phase: call.phase,
    round: call.round,
    body,
    ...(settings.maxRetries !== undefined ? { maxRetries: settings.maxRetries } : {}),
    ...(call.signal ? { signal: call.signal } : {}),
  };
}

type Outcome<T> = { kind: "answer"; answer: T } | { kind: "explore"; calls: ToolCall[] } | { kind: "invalid"; problem: string; truncated: boolean };

function readAnswer<T>(spec: RoleSpec<T>, settings: AgentSettings, response: ModelResponse): Outcome<T> {
  const truncated = response.finishReason === "length";
  let raw: string | undefined;
  if (settings.structured === "json_schema") {
    raw = response.message.content ?? undefined;
    if (!raw) return invalid("the answer was empty; reply with the JSON object only", truncated);
  } else {
    const toolCalls = response.message.tool_calls ?? [];
    const answerCall = toolCalls.find((c) => c.function.name === spec.name);
    if (!answerCall) {
      if (toolCalls.length > 0) return { kind: "explore", calls: toolCalls };
      return invalid(`no call to the "${spec.name}" function; answer by calling it`, truncated);
    }
    raw = answerCall.function.arguments;
  }
  if (truncated) {
    return invalid("the answer was cut off at the output token limit; give a shorter complete answer", true);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    return invalid(`the arguments are not valid JSON (${(error as Error).message})`, false);
  }
  const result = spec.schema.safeParse(parsed);
  if (!result.success) return invalid(`the answer does not match the schema: ${formatIssues(result.error)}`, false);
  return { kind: "answer", answer: result.data };
}

function invalid<T>(problem: string, truncated: boolean): Outcome<T> {
  return { kind: "invalid", problem, truncated };
}

function formatIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 8)
    .map((issue) => `${issue.path.length ? issue.path.join(".") : "(root)"}: ${issue.message}`)
    .join("; ");
}

/** The corrective turn quotes the agent's own validation error back to it — never another agent's failure. */
function correction(spec: RoleSpec<unknown>, settings: AgentSettings, response: ModelResponse, problem: string): ChatMessage[] {
  const ask = `Your answer could not be used: ${problem}. Answer again ${
    settings.structured === "json_schema" ? "with one JSON object that matches the schema" : `by calling the "${spec.name}" function with valid arguments`
  }.`;
  const toolCalls = response.message.tool_calls ?? [];
  if (settings.structured === "tools" && toolCalls.length > 0) {
    return [
      { role: "assistant", content: response.message.content, tool_calls: toolCalls },
      ...toolCalls.map((c): ChatMessage => ({ role: "tool", tool_call_id: c.id, content: ask })),
    ];
  }
  return [
    { role: "assistant", content: response.message.content ?? "" },
    { role: "user", content: ask },
  ];
}
