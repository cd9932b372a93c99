import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
// `graphql/index.js`: the module instance Apollo loads, under vitest too.
import { isEnumType, isInputObjectType, isInterfaceType, isObjectType } from "graphql/index.js";
import { describe, expect, it } from "vitest";
import { buildResolvers } from "./graphql.resolvers.js";
import { buildSchemaFromSdl, exportedSchemaPath, printExportedSchema } from "./graphql.schema.js";
import { MUTATION_ACCESS, QUERY_ACCESS } from "./operation.roles.js";

const apiRoot = path.resolve(path.dirname(exportedSchemaPath));

describe("SDL", () => {
  const schema = buildSchemaFromSdl();

  it("matches the committed apps/api/schema.graphql (run `npm run schema:export -w @medcap/api`)", () => {
    expect(readFileSync(exportedSchemaPath, "utf8")).toBe(printExportedSchema());
  });

  it("describes every type, field, argument, input field and enum value", () => {
    const missing: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (type.name.startsWith("__") || ["String", "Int", "Float", "Boolean", "ID"].includes(type.name)) continue;
      if (!type.description) missing.push(type.name);
      if (isObjectType(type) || isInterfaceType(type)) {
        for (const field of Object.values(type.getFields())) {
          if (!field.description) missing.push(`${type.name}.${field.name}`);
          for (const arg of field.args) if (!arg.description) missing.push(`${type.name}.${field.name}(${arg.name})`);
        }
      }
      if (isInputObjectType(type)) {
        for (const field of Object.values(type.getFields())) if (!field.description) missing.push(`${type.name}.${field.name}`);
      }
      if (isEnumType(type)) {
        for (const value of type.getValues()) if (!value.description) missing.push(`${type.name}.${value.name}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it("has an access rule for every root field and no rule for a field that does not exist", () => {
    expect(Object.keys(QUERY_ACCESS).sort()).toEqual(Object.keys(schema.getQueryType()!.getFields()).sort());
    expect(Object.keys(MUTATION_ACCESS).sort()).toEqual(Object.keys(schema.getMutationType()!.getFields()).sort());
  });

  it("has a resolver for every root field", () => {
    const resolvers = buildResolvers();
    expect(Object.keys(resolvers.Query ?? {}).sort()).toEqual(Object.keys(schema.getQueryType()!.getFields()).sort());
    expect(Object.keys(resolvers.Mutation ?? {}).sort()).toEqual(Object.keys(schema.getMutationType()!.getFields()).sort());
  });

  it("has up-to-date generated resolver types (run `npm run codegen -w @medcap/api`)", async () => {
    const run = promisify(execFile);
    const bin = path.resolve(apiRoot, "../../node_modules/.bin/graphql-codegen");
    await expect(run(bin, ["--config", "src/graphql/codegen.yml", "--check"], { cwd: apiRoot })).resolves.toBeDefined();
  });
});
