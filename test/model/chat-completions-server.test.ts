import { afterEach, describe, expect, it } from "vitest";
import { startChatCompletionsServer, type ChatCompletionsServer } from "../../src/demo/chat-completions-server.js";
import { fault, startScriptedModel, toolAnswer, type ScriptedModel } from "../support/scripted-model.js";

let server: ChatCompletionsServer | undefined;
let model: ScriptedModel | undefined;
afterEach(async () => {
  await server?.close();
  await model?.close();
  server = undefined;
  model = undefined;
});

const post = (url: string, body: unknown) => fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

describe("chat completions server", () => {
  it("answers in the Chat Completions wire format with OpenAI-shaped tool calls and usage", async () => {
    server = await startChatCompletionsServer(() => ({
      kind: "completion",
      message: { tool_calls: [{ name: "submit_plan", arguments: "{}" }] },
      usage: { prompt_tokens: 10, completion_tokens: 2, cached_tokens: 4 },
    }));
    const res = await post(`${server.baseURL}/chat/completions`, { model: "m", messages: [], tool_choice: { type: "function", function: { name: "submit_plan" } } });
    const json = (await res.json()) as Record<string, unknown>;
    expect(json).toMatchObject({
      object: "chat.completion",
      model: "m",
      choices: [
        {
          index: 0,
          finish_reason: "tool_calls",
          message: { role: "assistant", content: null, tool_calls: [{ id: "call_0_0", type: "function", function: { name: "submit_plan", arguments: "{}" } }] },
        },
      ],
      usage: { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12, prompt_tokens_details: { cached_tokens: 4 } },
    });
    expect(server.requests[0]).toMatchObject({ index: 0, role: "submit_plan" });
  });

  it("derives the role from json_schema or from the one non-reading tool", async () => {
    server = await startChatCompletionsServer(() => ({ kind: "completion", message: { content: "{}" } }));
    await post(`${server.baseURL}/chat/completions`, { messages: [], response_format: { type: "json_schema", json_schema: { name: "review", schema: {} } } });
    const tool = (name: string) => ({ type: "function", function: { name, parameters: {} } });
    await post(`${server.baseURL}/chat/completions`, { messages: [], tools: [tool("read_file"), tool("search"), tool("submit_patch")], tool_choice: "required" });
    await post(`${server.baseURL}/chat/completions`, { messages: [], tools: [tool("read_file")], tool_choice: "auto" });
    expect(server.requests.map((r) => r.role)).toEqual(["review", "submit_patch", undefined]);
  });

  it("404s other routes with a JSON error", async () => {
    server = await startChatCompletionsServer(() => ({ kind: "hang" }));
    const res = await fetch(`${server.baseURL}/models`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { type: "not_found" } });
    expect(server.requests).toHaveLength(0);
  });

  it("close() ends hanging requests", async () => {
    server = await startChatCompletionsServer(() => ({ kind: "hang" }));
    const pending = post(`${server.baseURL}/chat/completions`, { messages: [] }).then(
      () => "answered",
      () => "dropped",
    );
    while (server.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    await server.close();
    server = undefined;
    expect(await pending).toBe("dropped");
  });

  it("scripted model serves queues per role and reports unused replies", async () => {
    model = await startScriptedModel({ script: { review: [toolAnswer("review", { ok: true })] } });
    model.on("plan", fault.serverError(500));
    const res = await post(`${model.baseURL}/chat/completions`, { messages: [], response_format: { type: "json_schema", json_schema: { name: "review", schema: {} } } });
    // json_schema requests get the arguments as content.
    expect(((await res.json()) as { choices: { message: { content: string } }[] }).choices[0]!.message.content).toBe('{"ok":true}');
    expect(model.requestsFor("review")).toHaveLength(1);
    expect(() => model!.assertComplete()).toThrow(/plan: 1 unused/);
  });
});
