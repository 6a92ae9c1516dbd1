import { afterEach, describe, expect, it } from "vitest";
import { callAgent, type AgentSettings } from "../../src/core/agent/call-agent.js";
import { ModelError } from "../../src/core/errors.js";
import { createOpenAIModelClient } from "../../src/core/model/openai-model-client.js";
import { roles } from "../../src/core/roles/index.js";
import { startScriptedModel, textAnswer, toolAnswer, toolCalls, type ScriptedModel } from "../support/scripted-model.js";
import { createTempRepo } from "../support/temp-repo.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const plan = { summary: "Add greet", steps: ["write greet"], files: [{ path: "greet.js", action: "create", purpose: "the helper" }], test_plan: "node --test" };

function settings(overrides: Partial<AgentSettings> = {}): AgentSettings {
  return { model: "test-model", temperature: 0.4, maxRetries: 0, structured: "tools", maxToolRounds: 2, ...overrides };
}

async function model(): Promise<{ server: ScriptedModel; client: ReturnType<typeof createOpenAIModelClient> }> {
  const server = await startScriptedModel();
  cleanups.push(() => server.close());
  return { server, client: createOpenAIModelClient({ baseURL: server.baseURL, apiKey: "k-test-123456", timeoutMs: 5000, maxRetries: 0 }) };
}

describe("callAgent: the wire contract", () => {
  it("forces the role's function when the agent does not explore, with the role's schema as parameters", async () => {
    const { server, client } = await model();
    server.on("architect", toolAnswer("architect", plan));
    const result = await callAgent(client, roles.architect, settings(), { phase: "architect", round: 0, sharedContext: "CONTEXT", input: "Plan it." });
    expect(result.answer).toEqual(plan);
    const body = server.requests[0]!.body as Record<string, any>;
    expect(body.tool_choice).toEqual({ type: "function", function: { name: "architect" } });
    expect(body.tools).toHaveLength(1);
    expect(body.tools[0].function.name).toBe("architect");
    expect(body.tools[0].function.parameters.required).toEqual(expect.arrayContaining(["summary", "steps", "files", "test_plan"]));
    expect(body.temperature).toBe(0.4);
    // The shared context comes first (one system message), the role's part last: prefix caches can hit.
    expect(body.messages[0]).toEqual({ role: "system", content: "CONTEXT" });
    expect(body.messages[1].role).toBe("user");
    expect(body.messages[1].content).toMatch(/Your role: architect[\s\S]*Plan it\.$/);
  });

  it("sends response_format json_schema named after the role when structured is json_schema", async () => {
    const { server, client } = await model();
    server.on("reviewer", toolAnswer("reviewer", { verdict: "approve", comments: [] }));
    const result = await callAgent(client, roles.reviewer, settings({ structured: "json_schema" }), { phase: "reviewer", round: 0, sharedContext: "C", input: "Review." });
    expect(result.answer).toEqual({ verdict: "approve", comments: [] });
    const body = server.requests[0]!.body as Record<string, any>;
    expect(body.response_format.type).toBe("json_schema");
    expect(body.response_format.json_schema.name).toBe("reviewer");
    expect(body.tools).toBeUndefined();
  });

  it("lets an exploring agent read the repository, then answer", async () => {
    const repo = await createTempRepo({ "src/app.js": "export const answer = 42;\n" });
    cleanups.push(repo.cleanup);
    const { server, client } = await model();
    server.on("architect", toolCalls({ name: "read_file", args: { path: "src/app.js" } }), toolAnswer("architect", plan));
    const result = await callAgent(client, roles.architect, settings(), { phase: "architect", round: 0, sharedContext: "C", input: "Plan.", repoDir: repo.dir });
    expect(result.answer).toEqual(plan);
    expect(result.calls).toBe(2);
    const first = server.requests[0]!.body as Record<string, any>;
    expect(first.tool_choice).toBe("auto");
    expect(first.tools.map((t: { function: { name: string } }) => t.function.name)).toEqual(["architect", "read_file", "list_files", "search"]);
    const second = server.requests[1]!.body as Record<string, any>;
    const toolMessage = second.messages.find((m: { role: string }) => m.role === "tool");
    expect(toolMessage.content).toContain("export const answer = 42;");
  });

  it("forces the answer once the exploration rounds are used up", async () => {
    const repo = await createTempRepo({ "a.js": "1\n" });
    cleanups.push(repo.cleanup);
    const { server, client } = await model();
    server.on("architect", toolCalls({ name: "list_files", args: {} }), toolCalls({ name: "list_files", args: {} }), toolAnswer("architect", plan));
    await callAgent(client, roles.architect, settings({ maxToolRounds: 2 }), { phase: "architect", round: 0, sharedContext: "C", input: "Plan.", repoDir: repo.dir });
    const last = server.requests[2]!.body as Record<string, any>;
    expect(last.tool_choice).toEqual({ type: "function", function: { name: "architect" } });
    expect(last.tools).toHaveLength(1);
  });

  it("answers in plain text count as invalid: one corrective retry, then a ModelError naming the phase", async () => {
    const { server, client } = await model();
    server.on("summarizer", textAnswer("Here is my PR title"), textAnswer("still prose"));
    const error = await callAgent(client, roles.summarizer, settings(), { phase: "summarizer", round: 0, sharedContext: "C", input: "Write." }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelError);
    expect((error as ModelError).kind).toBe("invalid-answer");
    expect((error as ModelError).context.phase).toBe("summarizer");
    expect((error as Error).message).toMatch(/no call to the "summarizer" function/);
    server.assertComplete();
  });
});
