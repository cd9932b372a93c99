// Strings PostgreSQL cannot store. A NUL character in any text argument (createCase.title,
// updateCaption.text, …) reached the database and came back as an INTERNAL_SERVER_ERROR (SQLSTATE
// 22021); it is refused here, once for every field, before anything executes.
// `graphql/index.js`: the module instance Apollo loads, under vitest too (whose resolver would pick the .mjs build and break instanceof checks).
import { type DocumentNode, GraphQLError, Kind, visit } from "graphql/index.js";

const NUL = "\u0000";

function refuse(where: string): GraphQLError {
  return new GraphQLError(`${where} contains a NUL character (U+0000), which cannot be stored; remove it`, {
    extensions: { code: "BAD_USER_INPUT", http: { status: 400 } },
  });
}

/** The path of the first string holding a NUL inside a JSON-like value (uploads and other objects are skipped). */
function findNul(value: unknown, path: string, depth = 0): string | undefined {
  if (typeof value === "string") return value.includes(NUL) ? path : undefined;
  if (depth > 32 || value === null || typeof value !== "object") return undefined;
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) {
      const found = findNul(v, `${path}[${i}]`, depth + 1);
      if (found) return found;
    }
    return undefined;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null) return undefined;
  for (const [k, v] of Object.entries(value)) {
    const found = findNul(v, `${path}.${k}`, depth + 1);
    if (found) return found;
  }
  return undefined;
}

/** Throws BAD_USER_INPUT when a variable or a string literal of the document contains U+0000. */
export function rejectNulCharacters(document: DocumentNode, variables: Record<string, unknown> | undefined): void {
  const inVariables = findNul(variables ?? {}, "$");
  if (inVariables) throw refuse(`variable ${inVariables.replace(/^\$\./, "$")}`);
  let literal = false;
  visit(document, {
    [Kind.STRING](node) {
      if (node.value.includes(NUL)) literal = true;
    },
  });
  if (literal) throw refuse("a string literal of the query");
}
