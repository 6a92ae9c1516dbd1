import { readFileSync } from "node:fs";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";

/**
 * Checks requests (and the stand-in's own responses) against the subset of GitHub's official OpenAPI
 * description committed in test/fixtures/github-openapi-subset.json (made by scripts/extract-openapi-fixture.mjs).
 * The schemas are OpenAPI 3.0 flavoured, so `nullable: true` is rewritten to JSON Schema before Ajv sees them.
 */
export const OPENAPI_FIXTURE = new URL("../fixtures/github-openapi-subset.json", import.meta.url);

type JsonObject = { [key: string]: unknown };

export interface OperationMatch {
  operationId: string;
  method: string;
  /** The path template, e.g. `/repos/{owner}/{repo}/pulls`. */
  template: string;
  /** Decoded path parameters. */
  params: Record<string, string>;
}

export interface RequestToCheck {
  method: string;
  /** Path relative to the API root (`/repos/o/r/pulls`), without the query string. */
  path: string;
  query: Record<string, string>;
  /** Parsed JSON body, or undefined when the request had none. */
  body: unknown;
}

export type RequestCheck = { ok: true; operation: OperationMatch } | { ok: false; operation: OperationMatch | undefined; problems: string[] };

export interface OpenApiValidator {
  match(method: string, path: string): OperationMatch | undefined;
  checkRequest(request: RequestToCheck): RequestCheck;
  /** Problems with a success response body; empty when it matches the operation's response schema. */
  checkResponse(operation: OperationMatch, status: number, body: unknown): string[];
}

interface Parameter {
  name: string;
  in: "path" | "query" | "header" | "cookie";
  required?: boolean;
  schema?: JsonObject;
  /** GitHub's marker for a path parameter that spans segments (the contents API's {path}). */
  "x-multi-segment"?: boolean;
}

interface CompiledOperation {
  operationId: string;
  method: string;
  template: string;
  segments: string[];
  /** Literal segments first: `/issues/comments/{id}` must win over `/issues/{issue_number}/{x}`. */
  literalCount: number;
  multiSegmentParam: string | undefined;
  parameters: Parameter[];
  bodyRequired: boolean;
  bodyPointer: string | undefined;
  responsePointers: Map<number, string>;
}

const DOCUMENT_ID = "github-openapi-subset";

const shared = new Map<string, OpenApiValidator>();

/**
 * One validator per fixture and process: it holds nothing but compiled schemas, and compiling a response
 * schema costs up to 200 ms of CPU, which every stand-in of a test file would otherwise pay again.
 */
export function sharedOpenApiValidator(fixtureUrl: URL = OPENAPI_FIXTURE): OpenApiValidator {
  let validator = shared.get(fixtureUrl.href);
  if (!validator) {
    validator = createOpenApiValidator(fixtureUrl);
    shared.set(fixtureUrl.href, validator);
  }
  return validator;
}

export function createOpenApiValidator(fixtureUrl: URL = OPENAPI_FIXTURE): OpenApiValidator {
  const document = toJsonSchema(JSON.parse(readFileSync(fixtureUrl, "utf8"))) as JsonObject;
  const ajv = newAjv(false);
  ajv.addSchema(document, DOCUMENT_ID);
  // Query and path values arrive as strings; this instance coerces them to the declared types.
  const coercing = newAjv(true);
  const operations = compileOperations(document);
  const compiled = new Map<string, ValidateFunction>();
  const compiledParameters = new Map<Parameter, ValidateFunction>();

  function parameterValidator(parameter: Parameter): ValidateFunction {
    let validate = compiledParameters.get(parameter);
    if (!validate) {
      validate = coercing.compile({ type: "object", properties: { value: parameter.schema ?? {} } });
      compiledParameters.set(parameter, validate);
    }
    return validate;
  }

  function validatorFor(pointer: string): ValidateFunction {
    let validate = compiled.get(pointer);
    if (!validate) {
      validate = ajv.compile({ $ref: `${DOCUMENT_ID}#${pointer}` });
      compiled.set(pointer, validate);
    }
    return validate;
  }

  function find(method: string, path: string): { operation: CompiledOperation; params: Record<string, string> } | undefined {
    const segments = splitPath(path);
    let best: { operation: CompiledOperation; params: Record<string, string> } | undefined;
    for (const operation of operations) {
      if (operation.method !== method.toUpperCase()) continue;
      const params = matchSegments(operation, segments);
      if (params && (!best || operation.literalCount > best.operation.literalCount)) best = { operation, params };
    }
    return best;
  }

  const toMatch = (found: { operation: CompiledOperation; params: Record<string, string> }): OperationMatch => ({
    operationId: found.operation.operationId,
    method: found.operation.method,
    template: found.operation.template,
    params: found.params,
  });

  return {
    match(method, path) {
      const found = find(method, path);
      return found ? toMatch(found) : undefined;
    },
    checkRequest(request) {
      const found = find(request.method, request.path);
      if (!found) {
        const sameMethod = operations.some((operation) => operation.method === request.method.toUpperCase() && matchSegments(operation, splitPath(request.path)));
        const otherMethod = !sameMethod && operations.some((operation) => matchSegments(operation, splitPath(request.path)));
        const hint = otherMethod ? " (the path exists, but not with this method)" : "";
        return { ok: false, operation: undefined, problems: [`${request.method.toUpperCase()} ${request.path} is not a GitHub REST operation the stand-in knows${hint}`] };
      }
      const { operation } = found;
      const problems = [
        ...checkParameters(parameterValidator, operation, "path", found.params),
        ...checkParameters(parameterValidator, operation, "query", request.query),
        ...checkBody(operation, request.body, validatorFor),
      ];
      return problems.length === 0 ? { ok: true, operation: toMatch(found) } : { ok: false, operation: toMatch(found), problems };
    },
    checkResponse(match, status, body) {
      const operation = operations.find((candidate) => candidate.operationId === match.operationId);
      const pointer = operation?.responsePointers.get(status);
      if (!operation) return [`unknown operation ${match.operationId}`];
      if (!pointer) return status >= 200 && status < 300 && operation.responsePointers.size > 0 ? [`GitHub does not answer ${operation.operationId} with ${status}`] : [];
      const validate = validatorFor(pointer);
      return validate(body) ? [] : formatErrors(validate.errors, "response");
    },
  };
}

function newAjv(coerceTypes: boolean): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true, coerceTypes, validateSchema: false });
  addFormats.default(ajv);
  // GitHub's own format names: documentation only, nothing to check.
  for (const format of ["int32", "int64", "repo.nwo", "binary", "uuid"]) ajv.addFormat(format, true);
  return ajv;
}

function compileOperations(document: JsonObject): CompiledOperation[] {
  const paths = (document.paths ?? {}) as Record<string, Record<string, JsonObject>>;
  const components = (document.components ?? {}) as { parameters?: Record<string, Parameter> };
  const result: CompiledOperation[] = [];
  for (const [template, item] of Object.entries(paths)) {
    for (const [method, operation] of Object.entries(item)) {
      const parameters = ((operation.parameters ?? []) as Array<Parameter | { $ref: string }>).map((parameter) =>
        "$ref" in parameter ? resolveParameter(components, parameter.$ref) : parameter,
      );
      const segments = splitPath(template);
      const multi = parameters.find((parameter) => parameter.in === "path" && parameter["x-multi-segment"] === true);
      const escaped = escapePointer(template);
      const requestBody = operation.requestBody as { required?: boolean; content?: Record<string, unknown> } | undefined;
      const responsePointers = new Map<number, string>();
      for (const [status, response] of Object.entries((operation.responses ?? {}) as Record<string, JsonObject>)) {
        if ((response.content as JsonObject | undefined)?.["application/json"]) {
          responsePointers.set(Number(status), `/paths/${escaped}/${method}/responses/${status}/content/application~1json/schema`);
        }
      }
      result.push({
        operationId: String(operation.operationId),
        method: method.toUpperCase(),
        template,
        segments,
        literalCount: segments.filter((segment) => !isParam(segment)).length,
        multiSegmentParam: multi?.name,
        parameters,
        bodyRequired: requestBody?.required === true,
        bodyPointer: requestBody?.content?.["application/json"] ? `/paths/${escaped}/${method}/requestBody/content/application~1json/schema` : undefined,
        responsePointers,
      });
    }
  }
  return result;
}

function resolveParameter(components: { parameters?: Record<string, Parameter> }, ref: string): Parameter {
  const name = ref.replace("#/components/parameters/", "");
  const parameter = components.parameters?.[name];
  if (!parameter) throw new Error(`OpenAPI fixture: unresolved parameter ${ref}`);
  return parameter;
}

function matchSegments(operation: CompiledOperation, segments: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  const templateSegments = operation.segments;
  for (let index = 0; index < templateSegments.length; index++) {
    const expected = templateSegments[index] as string;
    const isLast = index === templateSegments.length - 1;
    if (isParam(expected)) {
      const name = expected.slice(1, -1);
      // A multi-segment parameter (contents' {path}) takes the rest of the path, slashes included.
      const taken = isLast && name === operation.multiSegmentParam ? segments.slice(index) : segments.slice(index, index + 1);
      if (taken.length === 0 || taken.some((segment) => segment === "")) return undefined;
      params[name] = taken.map(safeDecode).join("/");
      if (taken.length > 1) return params;
    } else if (segments[index] !== expected) {
      return undefined;
    }
  }
  return segments.length === templateSegments.length ? params : undefined;
}

function checkParameters(
  validatorFor: (parameter: Parameter) => ValidateFunction,
  operation: CompiledOperation,
  where: "path" | "query",
  values: Record<string, string>,
): string[] {
  const problems: string[] = [];
  for (const parameter of operation.parameters.filter((candidate) => candidate.in === where)) {
    const value = values[parameter.name];
    if (value === undefined) {
      if (parameter.required) problems.push(`${where} parameter "${parameter.name}" is required`);
      continue;
    }
    if (!parameter.schema) continue;
    const validate = validatorFor(parameter);
    if (!validate({ value })) {
      const errors = (validate.errors ?? []).map((error) => ({ ...error, instancePath: error.instancePath.replace(/^\/value/, "") }));
      problems.push(...formatErrors(errors, `${where} parameter "${parameter.name}"`));
    }
  }
  return problems;
}

function checkBody(operation: CompiledOperation, body: unknown, validatorFor: (pointer: string) => ValidateFunction): string[] {
  if (body === undefined) return operation.bodyRequired ? ["request body is required"] : [];
  if (!operation.bodyPointer) return [];
  const validate = validatorFor(operation.bodyPointer);
  return validate(body) ? [] : formatErrors(validate.errors, "request body");
}

function formatErrors(errors: ErrorObject[] | null | undefined, what: string): string[] {
  return (errors ?? []).map((error) => {
    const where = error.instancePath === "" ? what : `${what} ${error.instancePath}`;
    const detail = error.keyword === "additionalProperties" ? `${error.message} (${String(error.params.additionalProperty)})` : error.message;
    return `${where}: ${detail ?? error.keyword}`;
  });
}

/** OpenAPI 3.0's `nullable: true` is not JSON Schema: make it a "null" type (or an anyOf with null). */
export function toJsonSchema(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toJsonSchema);
  if (value === null || typeof value !== "object") return value;
  const converted: JsonObject = {};
  for (const [key, inner] of Object.entries(value)) converted[key] = toJsonSchema(inner);
  if (converted.nullable !== true) return converted;
  delete converted.nullable;
  if (typeof converted.type === "string") {
    const nullableType: JsonObject = { ...converted, type: [converted.type, "null"] };
    if (Array.isArray(converted.enum)) nullableType.enum = [...converted.enum, null];
    return nullableType;
  }
  return { anyOf: [converted, { type: "null" }] };
}

function splitPath(path: string): string[] {
  return path.replace(/^\/+/, "").split("/");
}

function isParam(segment: string): boolean {
  return segment.startsWith("{") && segment.endsWith("}");
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, "~0").replace(/\//g, "~1");
}
