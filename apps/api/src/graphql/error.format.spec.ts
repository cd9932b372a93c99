// `graphql/index.js`: the module instance Apollo loads, under vitest too.
import { GraphQLError } from "graphql/index.js";
import { describe, expect, it } from "vitest";
import { MedcapError } from "../core/errors.js";
import { classifyError, formatError } from "./error.format.js";

const wrap = (original: Error) => new GraphQLError(original.message, { originalError: original, path: ["q"] });

describe("error mapping", () => {
  it("keeps domain codes and messages", () => {
    for (const code of [
      "BAD_USER_INPUT",
      "NOT_FOUND",
      "UNAUTHENTICATED",
      "FORBIDDEN",
      "OVERLOADED",
      "SERVICE_UNAVAILABLE",
      "CONFLICT",
    ] as const) {
      expect(formatError({ message: "x" }, wrap(new MedcapError(code, "why")))).toMatchObject({ message: "why", extensions: { code } });
    }
  });

  it("folds UNSUPPORTED_MEDIA into BAD_USER_INPUT with the domain code as reason", () => {
    expect(formatError({ message: "x", path: ["q"] }, wrap(new MedcapError("UNSUPPORTED_MEDIA", "not an image")))).toEqual({
      message: "not an image",
      path: ["q"],
      extensions: { code: "BAD_USER_INPUT", reason: "UNSUPPORTED_MEDIA" },
    });
  });

  it("masks unexpected errors and internal domain codes", () => {
    const plain = formatError(
      { message: "db password is hunter2", locations: [{ line: 1, column: 1 }], path: ["q"] },
      wrap(new Error("db password is hunter2")),
    );
    expect(plain).toEqual({ message: "Internal server error", path: ["q"], extensions: { code: "INTERNAL_SERVER_ERROR" } });
    expect(classifyError(wrap(new MedcapError("MODEL_MISMATCH", "vectors of model a")))).toMatchObject({
      code: "INTERNAL_SERVER_ERROR",
      internal: true,
    });
  });

  it("maps Apollo's request errors and 4xx http errors to BAD_USER_INPUT", () => {
    const validation = new GraphQLError("Cannot query field", { extensions: { code: "GRAPHQL_VALIDATION_FAILED" } });
    expect(formatError({ message: "Cannot query field" }, validation)).toMatchObject({
      extensions: { code: "BAD_USER_INPUT", reason: "GRAPHQL_VALIDATION_FAILED" },
    });
    const tooLarge = Object.assign(new Error("File truncated"), { status: 413 });
    expect(classifyError(wrap(tooLarge))).toMatchObject({ code: "BAD_USER_INPUT", internal: false });
  });
});
