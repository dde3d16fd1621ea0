import { readFileSync } from "node:fs";
import * as path from "node:path";
import { z } from "zod";

/**
 * Ubiquiti's own contract for the slice of the UniFi Network integration API the DNS provider
 * uses: the OpenAPI 3.1 documents a Network application exports, kept in test/contracts/ for the
 * first version with DNS policies (10.1.68) and a recent one (10.5.66), each trimmed to the
 * application-info, site and DNS-policy operations and the schemas they reference (source,
 * commit and version in each file's `info`). Requests and answers are judged against them: the
 * operation exists for the method and path, path ids have the documented format, query
 * parameters their bounds, bodies their schema, and a success answer a documented status.
 *
 * The documents' schemas are JSON Schema 2020-12 read by zod's `fromJSONSchema`, with one change
 * of form, not of meaning: OpenAPI's `discriminator` (which JSON Schema ignores) becomes a `oneOf`
 * of the mapped schemas, each with its `type` fixed, so a CNAME body is checked as a CNAME.
 */

export const CONTRACT_VERSIONS = ["10.1.68", "10.5.66"] as const;
export type ContractVersion = (typeof CONTRACT_VERSIONS)[number];

/** Where the documents' `servers` URL (`/integration`) sits on a console. */
const CONSOLE_PREFIX = "/proxy/network/integration";

type Json = Record<string, any>;

interface Operation {
  readonly template: string;
  readonly pattern: RegExp;
  readonly method: string;
  readonly spec: Json;
}

export interface Contract {
  readonly version: string;
  readonly source: Json;
  /** Problems with a request, in words; none when it is one the document describes. */
  requestProblems(request: { method: string; path: string; query?: Readonly<Record<string, string>>; body?: unknown }): string[];
  /** Problems with an answer to a request; only success answers have a documented shape. */
  responseProblems(request: { method: string; path: string }, status: number, body: unknown): string[];
}

const cache = new Map<string, Contract>();

export function loadContract(version: ContractVersion): Contract {
  const cached = cache.get(version);
  if (cached) return cached;
  const document = JSON.parse(readFileSync(path.join(__dirname, "..", "contracts", `unifi-network-${version}.json`), "utf8")) as Json;
  const contract = makeContract(document);
  cache.set(version, contract);
  return contract;
}

function makeContract(document: Json): Contract {
  const defs = withDiscriminatorsAsOneOf(document.components.schemas as Json);
  const schemaCache = new Map<string, z.ZodType>();
  const zodOf = (schema: Json): z.ZodType => {
    const key = JSON.stringify(schema);
    let converted = schemaCache.get(key);
    if (!converted) {
      converted = z.fromJSONSchema({ $schema: "https://json-schema.org/draft/2020-12/schema", ...rewriteRefs(schema), $defs: defs } as never);
      schemaCache.set(key, converted);
    }
    return converted;
  };
  const operations: Operation[] = [];
  for (const [template, item] of Object.entries(document.paths as Json)) {
    const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, "([^/]+)")}$`);
    for (const [method, spec] of Object.entries(item as Json)) operations.push({ template, pattern, method: method.toUpperCase(), spec: spec as Json });
  }
  const find = (method: string, fullPath: string): { operation: Operation; params: Record<string, string> } | string => {
    if (!fullPath.startsWith(CONSOLE_PREFIX)) return `${method} ${fullPath}: not under the integration API (${CONSOLE_PREFIX})`;
    const apiPath = fullPath.slice(CONSOLE_PREFIX.length);
    const operation = operations.find((candidate) => candidate.method === method && candidate.pattern.test(apiPath));
    if (!operation) return `${method} ${apiPath}: no such operation in Network ${document.info.version}`;
    const names = [...operation.template.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]!);
    const values = operation.pattern.exec(apiPath)!.slice(1).map(decodeURIComponent);
    return { operation, params: Object.fromEntries(names.map((name, index) => [name, values[index]!])) };
  };
  const issues = (schema: Json, value: unknown, where: string): string[] => {
    const result = zodOf(schema).safeParse(value);
    return result.success ? [] : result.error.issues.map((issue) => `${where}${issue.path.length > 0 ? `.${issue.path.join(".")}` : ""}: ${issue.message}`);
  };
  return {
    version: document.info.version,
    source: document.info["x-source"],
    requestProblems(request) {
      const found = find(request.method, request.path);
      if (typeof found === "string") return [found];
      const { operation, params } = found;
      const problems: string[] = [];
      const parameters = (operation.spec.parameters ?? []) as Json[];
      for (const parameter of parameters) {
        const raw = parameter.in === "path" ? params[parameter.name] : request.query?.[parameter.name];
        if (raw === undefined) {
          if (parameter.required) problems.push(`${parameter.in} parameter ${parameter.name}: required`);
          continue;
        }
        const value = parameter.schema.type === "integer" ? (/^-?\d+$/.test(raw) ? Number(raw) : raw) : raw;
        problems.push(...issues(parameter.schema, value, `${parameter.in} parameter ${parameter.name}`));
      }
      for (const name of Object.keys(request.query ?? {})) {
        if (!parameters.some((parameter) => parameter.in === "query" && parameter.name === name)) problems.push(`query parameter ${name}: not documented`);
      }
      const bodySchema = operation.spec.requestBody?.content?.["application/json"]?.schema as Json | undefined;
      if (bodySchema) {
        if (request.body === undefined) problems.push("body: required");
        else problems.push(...issues(bodySchema, request.body, "body"));
      } else if (request.body !== undefined) problems.push("body: the operation takes none");
      return problems;
    },
    responseProblems(request, status, body) {
      const found = find(request.method, request.path);
      if (typeof found === "string") return [found];
      const responses = found.operation.spec.responses as Json;
      const answer = responses[String(status)] as Json | undefined;
      if (!answer) return [`status ${status}: not documented for ${request.method} ${found.operation.template} (documented: ${Object.keys(responses).join(", ")})`];
      const schema = answer.content?.["application/json"]?.schema as Json | undefined;
      return schema ? issues(schema, body, "answer") : [];
    },
  };
}

function rewriteRefs<T>(value: T): T {
  return JSON.parse(JSON.stringify(value).replace(/"#\/components\/schemas\//g, '"#/$defs/')) as T;
}

/**
 * A schema with a discriminator becomes `oneOf` its mapped schemas, each with the discriminating
 * property fixed to its key; the mapped schemas' `allOf` reference to it points at a copy without
 * the discriminator, which is what it holds for them (its common properties).
 */
function withDiscriminatorsAsOneOf(schemas: Json): Json {
  const result: Json = {};
  const bases = new Set<string>();
  for (const [name, schema] of Object.entries(schemas)) {
    const discriminator = (schema as Json).discriminator as { propertyName: string; mapping: Record<string, string> } | undefined;
    if (!discriminator) continue;
    bases.add(name);
    const { discriminator: _dropped, ...common } = schema as Json;
    result[`${name} (common)`] = common;
    result[name] = {
      oneOf: Object.entries(discriminator.mapping).map(([key, ref]) => ({
        allOf: [{ type: "object", properties: { [discriminator.propertyName]: { const: key } }, required: [discriminator.propertyName] }, { $ref: ref }],
      })),
    };
  }
  for (const [name, schema] of Object.entries(schemas)) {
    if (bases.has(name)) continue;
    let text = JSON.stringify(schema);
    for (const base of bases) text = text.split(`{"$ref":"#/components/schemas/${base}"}`).join(`{"$ref":"#/components/schemas/${base} (common)"}`);
    result[name] = requiredBesideAllOf(JSON.parse(text) as Json);
  }
  return rewriteRefs(result);
}

/**
 * The documents write a subtype as `{ allOf: [base, extra], required: [...] }`. JSON Schema applies
 * that `required` to the instance; zod's reader only applies `required` to an object's own
 * `properties`, so it becomes one more member of the `allOf`, with the same meaning.
 */
function requiredBesideAllOf(schema: Json): Json {
  if (!Array.isArray(schema.allOf) || !Array.isArray(schema.required) || schema.properties) return schema;
  const { required, ...rest } = schema;
  const names = required as string[];
  return { ...rest, allOf: [...(rest.allOf as Json[]), { type: "object", properties: Object.fromEntries(names.map((key) => [key, {}])), required: names }] };
}
