import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ModelError, ReplayMismatchError } from "../../src/core/errors.js";
import type { ModelRequest } from "../../src/core/model/model-client.js";
import { createOpenAIModelClient } from "../../src/core/model/openai-model-client.js";
import { readTranscript, RecordingModelClient, ReplayModelClient, TranscriptRecorder } from "../../src/core/model/transcript.js";
import type { RoleName } from "../../src/core/roles/role-names.js";
import { fault, startScriptedModel, toolAnswer, type ScriptedModel } from "../support/scripted-model.js";

const API_KEY = "sk-transcript-SECRET-42424242";
let dir: string;
let model: ScriptedModel | undefined;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "crew-transcript-"));
});
afterEach(async () => {
  await model?.close();
  model = undefined;
  await rm(dir, { recursive: true, force: true });
});

function request(agent: RoleName, tool: string, content = "go"): ModelRequest {
  return {
    agent,
    phase: agent,
    round: 0,
    body: {
      model: "deepseek-chat",
      temperature: 0.2,
      messages: [{ role: "user", content }],
      tools: [
        { type: "function", function: { name: "read_file", description: "read", parameters: { type: "object" } } },
        { type: "function", function: { name: tool, description: "answer", parameters: { type: "object" } } },
      ],
      tool_choice: "auto",
    },
  };
}

async function record(file: string) {
  model = await startScriptedModel();
  model
    .on("submit_plan", toolAnswer("submit_plan", { steps: ["a"] }))
    .on("submit_patch", toolAnswer("submit_patch", { files: [1] }), toolAnswer("submit_patch", { files: [2] }))
    .on("submit_review", { kind: "status", status: 400, body: { error: { message: "context too long" } } });
  const inner = createOpenAIModelClient({ baseURL: model.baseURL, apiKey: API_KEY, timeoutMs: 5_000, backoff: { baseMs: 5, maxMs: 10 } });
  const recorder = await TranscriptRecorder.open(file, { task: "fix the bug", config: { model: "deepseek-chat", apiKey: API_KEY } });
  const client = new RecordingModelClient(inner, recorder);
  const plan = await client.complete(request("architect", "submit_plan"));
  // Concurrent calls: both lines must land intact.
  const patches = await Promise.all([client.complete(request("developer", "submit_patch", "one")), client.complete(request("developer", "submit_patch", "two"))]);
  const reviewError = await client.complete(request("reviewer", "submit_review")).catch((error: unknown) => error);
  await recorder.flush();
  await model.close();
  model = undefined;
  return { plan, patches, reviewError };
}

describe("transcripts", () => {
  it("replays a recorded run with the server gone and gets identical responses", async () => {
    const file = path.join(dir, "run.jsonl");
    const live = await record(file);

    const replay = await ReplayModelClient.fromFile(file);
    expect(await replay.complete(request("architect", "submit_plan"))).toEqual(live.plan);
    const replayed = [await replay.complete(request("developer", "submit_patch")), await replay.complete(request("developer", "submit_patch"))];
    expect(replayed.map((r) => r.message.tool_calls?.[0]?.function.arguments).sort()).toEqual(live.patches.map((r) => r.message.tool_calls?.[0]?.function.arguments).sort());
    const error = await replay.complete(request("reviewer", "submit_review")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelError);
    expect(error).toMatchObject({ kind: "bad-request", status: 400, message: (live.reviewError as Error).message });
  });

  it("writes a header with meta and never the API key", async () => {
    const file = path.join(dir, "run.jsonl");
    await record(file);
    const text = await readFile(file, "utf8");
    expect(text).not.toContain(API_KEY);
    expect(text.toLowerCase()).not.toContain("authorization");
    const transcript = await readTranscript(file);
    expect(transcript.header).toMatchObject({ type: "header", version: 1, meta: { task: "fix the bug", config: { model: "deepseek-chat" } } });
    expect(transcript.calls.map((c) => c.seq)).toEqual([1, 2, 3, 4]);
    expect(transcript.calls.map((c) => c.agent)).toEqual(["architect", "developer", "developer", "reviewer"]);
  });

  it("names the agent and index when the run asks for more calls than recorded", async () => {
    const file = path.join(dir, "run.jsonl");
    await record(file);
    const replay = await ReplayModelClient.fromFile(file);
    await replay.complete(request("architect", "submit_plan"));
    const error = await replay.complete(request("architect", "submit_plan")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReplayMismatchError);
    expect((error as Error).message).toMatch(/1 call\(s\) for agent "architect".*call #2/);
    await expect(replay.complete(request("documenter", "submit_docs"))).rejects.toThrow(/0 call\(s\) for agent "documenter"/);
  });

  it("refuses a replayed call whose role differs from the recording", async () => {
    const file = path.join(dir, "run.jsonl");
    await record(file);
    const replay = await ReplayModelClient.fromFile(file);
    await expect(replay.complete(request("architect", "submit_something_else"))).rejects.toThrow(/recorded for "submit_plan", but the run asked for "submit_something_else"/);
  });

  it("names the file and line of a damaged transcript", async () => {
    const file = path.join(dir, "bad.jsonl");
    await writeFile(file, JSON.stringify({ type: "header", version: 1, createdAt: "x", meta: {} }) + "\n{not json\n");
    await expect(readTranscript(file)).rejects.toThrow(`transcript ${file}, line 2: not valid JSON`);
    await writeFile(file, '{"type":"call"}\n');
    await expect(readTranscript(file)).rejects.toThrow(/line 1: expected a version 1 transcript header/);
  });

  it("records a server failure after retries as an error entry", async () => {
    const file = path.join(dir, "run.jsonl");
    model = await startScriptedModel({ fallback: () => fault.serverError(503) });
    const inner = createOpenAIModelClient({ baseURL: model.baseURL, apiKey: API_KEY, timeoutMs: 5_000, maxRetries: 1, backoff: { baseMs: 1, maxMs: 2 } });
    const client = new RecordingModelClient(inner, await TranscriptRecorder.open(file, {}));
    await expect(client.complete(request("tester", "submit_tests"))).rejects.toBeInstanceOf(ModelError);
    const { calls } = await readTranscript(file);
    expect(calls[0]).toMatchObject({ agent: "tester", error: { name: "ModelError", kind: "server", status: 503, attempts: 2 } });
  });
});
