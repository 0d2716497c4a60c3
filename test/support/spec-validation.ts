/**
 * Validates response bodies against the official Azure REST API specs in `specs/` (swagger
 * 2.0), reading them the way Azure's own validator (Azure/oav) does:
 *
 * - `$ref`s resolve across files: each spec is registered with ajv under its file URL, so
 *   `../../../../../common-types/resource-management/v2/types.json#/definitions/ErrorResponse`
 *   reaches the copy of `types.json` laid out beside it.
 * - A property that is not `required` may be `null` unless it says `x-nullable: false`; a
 *   required one only with `x-nullable: true` (oav `lib/transform/nullableTransformer.ts`).
 *   ARM bodies carry `"condition": null` and the like, and Azure's validator accepts them.
 * - An object schema that lists properties and says nothing of `additionalProperties` accepts
 *   no others, unless it is a discriminated or an `allOf` base (oav
 *   `noAdditionalPropertiesTransformer.ts`): an invented or misspelt field fails.
 *   Unlike oav, schemas that use `allOf` themselves stay open (oav flattens them first).
 * - Swagger's own keywords (`x-ms-*`, `readOnly`, `discriminator`, …) are ignored (ajv
 *   `strict: false`), while `type`, `required`, `enum`, `items`, `pattern` and the `uuid`,
 *   `date-time`, `int32`… formats are checked.
 *
 * A response is checked against what its operation declares for that status code: a status
 * the spec does not declare fails (a 2xx never falls back to `default`, which in ARM specs is
 * the error body).
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import formats from "ajv-formats";

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Where the vendored specs live (`specs/specification/…`, as in azure-rest-api-specs). */
export const SPECS_ROOT = new URL("./specs/specification/", import.meta.url);

const METHODS = ["get", "put", "post", "patch", "delete", "head", "options"];

/** Formats swagger and AutoRest use that ajv-formats does not know: accepted as they come. */
const OPAQUE_FORMATS = [
  "arm-id",
  "unixtime",
  "base64url",
  "date-time-rfc1123",
  "date-time-rfc7231",
  "file",
  "decimal",
  "char",
];

/** RFC 6901 escaping of one pointer segment, then URI-escaped for use in a `#fragment`. */
const pointerSegment = (segment: string) =>
  encodeURIComponent(segment.replace(/~/g, "~0").replace(/\//g, "~1"));
const pointer = (segments: string[]) => `#/${segments.map(pointerSegment).join("/")}`;

function listJsonFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return listJsonFiles(path);
    return name.endsWith(".json") ? [path] : [];
  });
}

type Visit = (schema: Json, location: string[]) => void;

/** Visits every schema below `schema`, children before parents. */
function walkSchema(schema: unknown, location: string[], visit: Visit): void {
  if (!isObject(schema)) return;
  if (isObject(schema.properties)) {
    for (const [name, property] of Object.entries(schema.properties))
      walkSchema(property, [...location, "properties", name], visit);
  }
  if (isObject(schema.additionalProperties))
    walkSchema(schema.additionalProperties, [...location, "additionalProperties"], visit);
  if (Array.isArray(schema.items))
    schema.items.forEach((item, i) => walkSchema(item, [...location, "items", String(i)], visit));
  else walkSchema(schema.items, [...location, "items"], visit);
  for (const key of ["allOf", "anyOf", "oneOf"]) {
    const list = schema[key];
    if (Array.isArray(list))
      list.forEach((item, i) => walkSchema(item, [...location, key, String(i)], visit));
  }
  visit(schema, location);
}

/** Every schema of a swagger document: definitions, parameters and responses. */
function walkDocument(doc: Json, visit: Visit): void {
  for (const [name, schema] of Object.entries(isObject(doc.definitions) ? doc.definitions : {}))
    walkSchema(schema, ["definitions", name], visit);
  for (const [name, parameter] of Object.entries(isObject(doc.parameters) ? doc.parameters : {}))
    if (isObject(parameter)) walkSchema(parameter.schema, ["parameters", name, "schema"], visit);
  for (const [path, item] of Object.entries(isObject(doc.paths) ? doc.paths : {})) {
    if (!isObject(item)) continue;
    for (const method of METHODS) {
      const operation = item[method];
      if (!isObject(operation)) continue;
      const at = ["paths", path, method];
      if (Array.isArray(operation.parameters)) {
        operation.parameters.forEach((parameter, i) => {
          if (isObject(parameter))
            walkSchema(parameter.schema, [...at, "parameters", String(i), "schema"], visit);
        });
      }
      for (const [status, response] of Object.entries(
        isObject(operation.responses) ? operation.responses : {},
      )) {
        if (isObject(response))
          walkSchema(response.schema, [...at, "responses", status, "schema"], visit);
      }
    }
  }
}

interface OperationEntry {
  fileUrl: string;
  path: string;
  method: string;
  responses: Json;
}

/** The official specs, compiled for validation. Load once per test file. */
export class ArmSpecs {
  private readonly ajv: Ajv;
  private readonly operations = new Map<string, OperationEntry>();
  private readonly compiled = new Map<string, ValidateFunction>();

  private constructor(documents: Map<string, Json>) {
    this.ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
    formats.default(this.ajv);
    for (const name of OPAQUE_FORMATS) this.ajv.addFormat(name, true);
    const transformed = transformDocuments(documents);
    for (const [fileUrl, doc] of transformed) {
      this.ajv.addSchema(doc, fileUrl);
      this.indexOperations(fileUrl, doc);
    }
  }

  /** Loads every swagger document under `root` (examples and other JSON are skipped). */
  static load(root: URL = SPECS_ROOT): ArmSpecs {
    const documents = new Map<string, Json>();
    for (const file of listJsonFiles(fileURLToPath(root))) {
      const doc = JSON.parse(readFileSync(file, "utf8")) as unknown;
      if (isObject(doc) && typeof doc.swagger === "string")
        documents.set(pathToFileURL(file).href, doc);
    }
    assert.ok(documents.size > 0, `no swagger documents under ${root.href}`);
    return new ArmSpecs(documents);
  }

  /** The operation ids the loaded specs declare. */
  operationIds(): string[] {
    return [...this.operations.keys()].sort();
  }

  /**
   * The violations of `body` as the response of `operationId` with `status`; empty when it
   * conforms. A status the operation does not declare is itself a violation.
   */
  checkResponse(operationId: string, status: number, body: unknown): string[] {
    const operation = this.operations.get(operationId);
    if (!operation) return [`the specs declare no operation ${operationId}`];
    const declared = Object.keys(operation.responses);
    let key = String(status);
    if (!(key in operation.responses)) {
      if (status < 400 || !("default" in operation.responses)) {
        return [
          `${operationId} declares no ${status} response (it declares ${declared.join(", ")})`,
        ];
      }
      key = "default";
    }
    const response = operation.responses[key];
    if (!isObject(response) || response.schema === undefined) {
      return body === undefined || body === "" || body === null
        ? []
        : [`${operationId} declares no body for ${key}, but one came: ${JSON.stringify(body)}`];
    }
    const ref =
      operation.fileUrl +
      pointer(["paths", operation.path, operation.method, "responses", key, "schema"]);
    return this.check(ref, body);
  }

  /** Asserts `body` conforms to the `status` response of `operationId`. */
  assertResponse(operationId: string, status: number, body: unknown): void {
    const violations = this.checkResponse(operationId, status, body);
    assert.deepEqual(
      violations,
      [],
      `${operationId} ${status} does not conform to the spec:\n  ${violations.join("\n  ")}\nbody: ${JSON.stringify(body)}`,
    );
  }

  /** The violations of `body` against a schema named by its absolute URL and `#/pointer`. */
  check(ref: string, body: unknown): string[] {
    let validate = this.compiled.get(ref);
    if (!validate) {
      validate = this.ajv.getSchema(ref);
      assert.ok(validate, `no schema at ${ref}`);
      this.compiled.set(ref, validate);
    }
    if (validate(body)) return [];
    // The `null` branch of a nullable property and its `anyOf` only repeat the real error.
    const errors = (validate.errors ?? []).filter(
      (error) =>
        error.keyword !== "anyOf" &&
        !(error.keyword === "type" && /\/anyOf\/1\/type$/.test(error.schemaPath)),
    );
    return errors.map(describeError);
  }

  /** The absolute reference of `#/definitions/{name}` in the spec file at `relativePath`. */
  definition(relativePath: string, name: string): string {
    return new URL(relativePath, SPECS_ROOT).href + pointer(["definitions", name]);
  }

  private indexOperations(fileUrl: string, doc: Json): void {
    for (const [path, item] of Object.entries(isObject(doc.paths) ? doc.paths : {})) {
      if (!isObject(item)) continue;
      for (const method of METHODS) {
        const operation = item[method];
        if (!isObject(operation) || typeof operation.operationId !== "string") continue;
        assert.ok(
          !this.operations.has(operation.operationId),
          `operation ${operation.operationId} is declared twice`,
        );
        this.operations.set(operation.operationId, {
          fileUrl,
          path,
          method,
          responses: isObject(operation.responses) ? operation.responses : {},
        });
      }
    }
  }
}

function describeError(error: ErrorObject): string {
  const where = error.instancePath === "" ? "(body)" : error.instancePath;
  const extra =
    error.keyword === "additionalProperties"
      ? ` '${String((error.params as { additionalProperty?: string }).additionalProperty)}'`
      : error.keyword === "enum"
        ? ` ${JSON.stringify((error.params as { allowedValues?: unknown }).allowedValues)}`
        : "";
  return `${where} ${error.message ?? error.keyword}${extra}`;
}

/** Resolves an absolute `file:…#/pointer` reference in the untransformed documents. */
function resolve(documents: Map<string, Json>, ref: string): unknown {
  const [file, fragment = ""] = ref.split("#");
  let node: unknown = documents.get(file!);
  for (const raw of fragment.split("/").slice(1)) {
    const segment = decodeURIComponent(raw).replace(/~1/g, "/").replace(/~0/g, "~");
    node = isObject(node) ? node[segment] : undefined;
  }
  return node;
}

/** Applies oav's nullable and no-additional-properties readings to copies of the documents. */
function transformDocuments(documents: Map<string, Json>): Map<string, Json> {
  // Schemas some `allOf` builds on: their properties are extended, so they stay open.
  const bases = new Set<string>();
  for (const [fileUrl, doc] of documents) {
    walkDocument(doc, (schema) => {
      if (!Array.isArray(schema.allOf)) return;
      for (const part of schema.allOf)
        if (isObject(part) && typeof part.$ref === "string")
          bases.add(decodeURIComponent(new URL(part.$ref, fileUrl).href));
    });
  }
  const result = new Map<string, Json>();
  for (const [fileUrl, original] of documents) {
    const doc = structuredClone(original);
    walkDocument(doc, (schema, location) => {
      if (!isObject(schema.properties)) return;
      const required = new Set(Array.isArray(schema.required) ? schema.required : []);
      for (const [name, property] of Object.entries(schema.properties)) {
        if (!isObject(property)) continue;
        const target =
          typeof property.$ref === "string"
            ? resolve(documents, new URL(property.$ref, fileUrl).href)
            : property;
        const explicit =
          property["x-nullable"] ?? (isObject(target) ? target["x-nullable"] : undefined);
        const nullable = typeof explicit === "boolean" ? explicit : !required.has(name);
        if (nullable) schema.properties[name] = { anyOf: [property, { type: "null" }] };
      }
      const here = `${fileUrl}#/${location.map((s) => s.replace(/~/g, "~0").replace(/\//g, "~1")).join("/")}`;
      if (
        schema.additionalProperties === undefined &&
        schema.discriminator === undefined &&
        schema.allOf === undefined &&
        !bases.has(here) &&
        Object.keys(schema.properties).length > 0
      ) {
        schema.additionalProperties = false;
      }
    });
    result.set(fileUrl, doc);
  }
  return result;
}
