import { describe, expect, it } from "vitest";
import { defaultConfig, parseConfigText } from "../../src/core/config.js";
import { ConfigError } from "../../src/core/errors.js";

const FILE = ".github/codegen-crew.yml";

function errorOf(text: string): ConfigError {
  try {
    parseConfigText(text, FILE);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("repository config", () => {
  it("fills defaults for an empty or missing file", () => {
    expect(parseConfigText("", FILE)).toEqual(defaultConfig());
    expect(defaultConfig()).toMatchObject({ label: "codegen", max_rounds: 3, structured: "tools", budget: { tokens: 400_000, cost_usd: 2, minutes: 30 } });
  });

  it("reads per-role models, temperatures and budgets", () => {
    const config = parseConfigText("models:\n  documenter: cheap/model\ntemperatures: { reviewer: 0.1 }\nbudget: { tokens: 1000 }\n", FILE);
    expect(config.models.documenter).toBe("cheap/model");
    expect(config.temperatures.reviewer).toBe(0.1);
    expect(config.budget).toEqual({ tokens: 1000, cost_usd: 2, minutes: 30 });
  });

  it("caps model calls in flight by default and leaves requests_per_minute off unless it is set", () => {
    expect(defaultConfig().max_concurrent_requests).toBe(8);
    expect(defaultConfig().requests_per_minute).toBeUndefined();
    expect(parseConfigText("requests_per_minute: 500\nmax_concurrent_requests: 2\n", FILE)).toMatchObject({ requests_per_minute: 500, max_concurrent_requests: 2 });
    for (const bad of ["requests_per_minute: 0", "requests_per_minute: 1.5", "max_concurrent_requests: 0", "max_concurrent_requests: many"]) {
      const key = bad.split(":")[0]!;
      const error = errorOf(bad);
      expect(error.key).toBe(key);
      expect(error.message).toContain(`${FILE}: key "${key}"`);
    }
  });

  it("names the file and the unknown key", () => {
    const error = errorOf("budgett: {}\n");
    expect(error.message).toBe(`${FILE}: unknown key "budgett"`);
    expect(error.key).toBe("budgett");
    expect(error.file).toBe(FILE);
  });

  it("names a nested key with a wrong type and what was expected", () => {
    const error = errorOf("budget:\n  minutes: soon\n");
    expect(error.key).toBe("budget.minutes");
    expect(error.message).toMatch(/key "budget.minutes": .*expected number/);
  });

  it("lists the roles when a per-role map has an unknown role", () => {
    expect(errorOf("models:\n  boss: x\n").message).toMatch(/unknown key "boss" in "models" \(expected a role: architect, developer/);
  });

  it("reports YAML syntax errors with the line", () => {
    expect(errorOf("label: [unclosed\nmax_rounds: 2\n").message).toMatch(/not valid YAML \(line \d+\)/);
  });

  it("rejects a document that is not a mapping", () => {
    expect(errorOf("- a\n- b\n").message).toMatch(/expected a mapping/);
  });
});
