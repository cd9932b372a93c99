// `graphql/index.js`: the module instance Apollo loads, under vitest too (whose resolver would pick the .mjs build and break instanceof checks).
import { GraphQLError, GraphQLScalarType, Kind, valueFromASTUntyped } from "graphql/index.js";
import GraphQLUpload from "graphql-upload/GraphQLUpload.mjs";
import type { Resolvers } from "../resolvers.generated.js";

function toDate(value: unknown): Date {
  const date = typeof value === "string" || typeof value === "number" ? new Date(value) : value instanceof Date ? value : undefined;
  if (!date || Number.isNaN(date.getTime()))
    throw new GraphQLError("DateTime must be an ISO-8601 string", { extensions: { code: "BAD_USER_INPUT" } });
  return date;
}

const DateTime = new GraphQLScalarType<Date, string>({
  name: "DateTime",
  serialize: (value) => toDate(value).toISOString(),
  parseValue: toDate,
  parseLiteral: (ast) => (ast.kind === Kind.STRING ? toDate(ast.value) : toDate(undefined)),
});

const JSONScalar = new GraphQLScalarType({
  name: "JSON",
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: (ast, variables) => valueFromASTUntyped(ast, variables),
});

export const scalarResolvers: Resolvers = { DateTime, JSON: JSONScalar, Upload: GraphQLUpload };
