// The SDL lives in one .graphql file per domain; this joins them into one document.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
// `graphql/index.js`: the module instance Apollo loads, under vitest too (whose resolver would pick the .mjs build and break instanceof checks).
import { buildASTSchema, type DocumentNode, type GraphQLSchema, lexicographicSortSchema, parse, printSchema } from "graphql/index.js";

export const schemaDir = path.join(path.dirname(fileURLToPath(import.meta.url)), "schema");
/** The committed export that frontends and the admin app generate their types from. */
export const exportedSchemaPath = path.resolve(schemaDir, "../../../schema.graphql");

/** common.graphql first (it defines Query), the rest by name, so the joined text is stable. */
export function loadTypeDefs(): DocumentNode {
  const files = readdirSync(schemaDir)
    .filter((f) => f.endsWith(".graphql"))
    .sort((a, b) => (a === "common.graphql" ? -1 : b === "common.graphql" ? 1 : a.localeCompare(b)));
  return parse(files.map((f) => readFileSync(path.join(schemaDir, f), "utf8")).join("\n"));
}

export function buildSchemaFromSdl(): GraphQLSchema {
  return buildASTSchema(loadTypeDefs());
}

/** The text of schema.graphql: the merged schema, sorted so that moving SDL between files changes nothing. */
export function printExportedSchema(): string {
  return `${printSchema(lexicographicSortSchema(buildSchemaFromSdl()))}\n`;
}
