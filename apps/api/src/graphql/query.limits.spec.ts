// `graphql/index.js`: the module instance Apollo loads, under vitest too.
import { type FragmentDefinitionNode, Kind, type OperationDefinitionNode, parse, specifiedRules, validate } from "graphql/index.js";
import { describe, expect, it } from "vitest";
import { buildSchemaFromSdl } from "./graphql.schema.js";
import { analyseOperation, depthLimitRule, encodeUsage, MAX_NESTING, operationComplexity, sourceNesting } from "./query.limits.js";

const schema = buildSchemaFromSdl();

function complexity(query: string, variables: Record<string, unknown> = {}) {
  const doc = parse(query);
  const op = doc.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
  const fragments = Object.fromEntries(
    doc.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]),
  );
  return operationComplexity(schema, op, fragments, variables);
}

function depthErrors(query: string, max: number) {
  return validate(schema, parse(query), [...specifiedRules, depthLimitRule(max)]).map((e) => e.message);
}

describe("depth limit", () => {
  it("counts nested selections, through fragments and inline fragments", () => {
    expect(depthErrors("{ datasets { id } }", 2)).toEqual([]);
    expect(depthErrors("{ case(id: 1) { images { case { id } } } }", 3)).toEqual(["query depth 4 exceeds the limit of 3"]);
    expect(depthErrors("query { case(id: 1) { ...F } } fragment F on Case { images { ... on Image { case { id } } } }", 3)).toEqual([
      "query depth 4 exceeds the limit of 3",
    ]);
    expect(depthErrors("{ __schema { types { fields { type { name } } } } }", 1)).toEqual([]);
  });
});

describe("complexity", () => {
  it("multiplies children by k or first, from literals, variables or defaults", () => {
    expect(complexity('{ searchImages(text: "x", k: 3) { score } }')).toBe(1 + 3 * 1);
    expect(complexity('query($k: Int) { searchImages(text: "x", k: $k) { score } }', { k: 7 })).toBe(1 + 7);
    expect(complexity('{ searchImages(text: "x") { score } }')).toBe(1 + 10);
    expect(complexity("{ cases(first: 4) { totalCount edges { node { id } } } }")).toBe(1 + 4 * (1 + (1 + (1 + 1))));
  });

  it("assumes a size for unbounded lists and counts fragments", () => {
    expect(complexity("{ datasets { id } }")).toBe(1 + 10);
    expect(complexity("query { case(id: 1) { ...F } } fragment F on Case { images { id } }")).toBe(1 + (1 + 10));
  });
});

describe("encode usage", () => {
  const usage = (query: string, variables: Record<string, unknown> = {}) => {
    const doc = parse(query);
    const op = doc.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
    const fragments = Object.fromEntries(
      doc.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]),
    );
    return encodeUsage(op, fragments, variables);
  };
  it("counts an explanation as ceil(grid² / 16) from a literal, a variable or the default 8", () => {
    expect(usage('{ explainMatch(image: { imageId: 1 }, captionId: 2) { grid } searchImages(text: "x") { score } }')).toEqual({
      encodes: 4 + 1,
      explanations: 1,
    });
    expect(usage("query($g: Int) { explainMatch(image: { imageId: 1 }, imageId: 2, grid: $g) { grid } }", { g: 16 }).encodes).toBe(16);
    expect(usage("{ explainMatch(image: { imageId: 1 }, imageId: 2, grid: 3) { grid } }").encodes).toBe(1);
  });
  it("counts aliased explanations through fragments", () => {
    const q =
      "query { a: explainMatch(image: { imageId: 1 }, imageId: 2) { grid } ...F } fragment F on Query { b: explainMatch(image: { imageId: 1 }, imageId: 3) { grid } }";
    expect(usage(q)).toEqual({ encodes: 8, explanations: 2 });
  });
});

/** `fragment L0 on Query { ...L1 ...L1 }` … `fragment L<n> on Query { __typename }`: 2ⁿ paths through n + 1 fragments. */
function fanOut(levels: number): string {
  let q = "query { ...L0 }";
  for (let i = 0; i < levels; i++) q += ` fragment L${i} on Query { ...L${i + 1} ...L${i + 1} }`;
  return `${q} fragment L${levels} on Query { __typename }`;
}

describe("fragment fan-out (#26)", () => {
  it("costs each fragment once: 2^n spreads of a fragment are counted, not walked", () => {
    // Walking every spread, 60 levels would never finish; with per-fragment memos it is 61 fragment walks.
    expect(complexity(fanOut(60))).toBe(2 ** 60);
    expect(complexity(fanOut(21))).toBeGreaterThan(20_000);
    expect(depthErrors(fanOut(60), 10)).toEqual([]);
  });

  it("follows a long chain of fragments without recursing once per link", () => {
    let q = "query { ...C0 }";
    const n = 20_000;
    for (let i = 0; i < n; i++) q += ` fragment C${i} on Query { ...C${i + 1} }`;
    q += ` fragment C${n} on Query { datasets { id } }`;
    const doc = parse(q, { noLocation: true });
    const op = doc.definitions[0] as OperationDefinitionNode;
    const fragments = Object.fromEntries(
      doc.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]),
    );
    expect(analyseOperation(op, fragments, { schema })).toMatchObject({ depth: 2, complexity: 1 + 10 });
  });

  it("refuses selections nested past the bound as 'query too deep', not a stack overflow", () => {
    const nested = (n: number) => `{ ${"... on Query { ".repeat(n)}__typename${" }".repeat(n)} }`;
    expect(depthErrors(nested(MAX_NESTING + 5), 10)).toEqual([`query too deep: selections nest more than ${MAX_NESTING} levels`]);
    expect(depthErrors(nested(20), 10)).toEqual([]);
  });

  it("measures the nesting of the query text without parsing it", () => {
    expect(sourceNesting("{ a { b(x: [1, {y: 2}]) } }")).toBe(4);
    expect(sourceNesting('{ a(s: "{{{{ [[[ ") # {{{{\n }')).toBe(1);
    expect(sourceNesting('{ a(s: """ {{{ \\""" {{ """) }')).toBe(1);
    expect(sourceNesting(`{ ${"... on Query { ".repeat(5000)}__typename${" }".repeat(5000)} }`, MAX_NESTING)).toBe(MAX_NESTING + 1);
  });
});
