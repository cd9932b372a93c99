// Query depth (a validation rule) and complexity (computed once variables are known, because list
// sizes such as `first` and `k` usually come from variables).
// `graphql/index.js`: the module instance Apollo loads, under vitest too (whose resolver would pick the .mjs build and break instanceof checks).
import {
  type ASTVisitor,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  GraphQLError,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  getNamedType,
  getNullableType,
  isCompositeType,
  isListType,
  isObjectType,
  isInterfaceType,
  Kind,
  valueFromASTUntyped,
} from "graphql/index.js";

export interface QueryLimits {
  maxDepth: number;
  maxComplexity: number;
  /** Encoder runs one operation may cause (MEDCAP_MAX_ENCODES_PER_REQUEST). */
  maxEncodes: number;
}

export const DEFAULT_QUERY_LIMITS: QueryLimits = { maxDepth: 10, maxComplexity: 20_000, maxEncodes: 16 };

/**
 * Root fields that run an encoder (text or image) each time they occur. Aliases make one request
 * ask for any number of them, and an encode costs milliseconds of a shared ONNX session where a
 * field costs microseconds, so they are counted apart from the field complexity.
 */
export const ENCODING_ROOT_FIELDS: ReadonlySet<string> = new Set(["captionImage", "searchImages", "similarImages", "addImage"]);

/**
 * An explanation runs grid² + 1 image encodes (plus one text encode per caption word), in windows of
 * one encoder batch. It counts as the number of 16-image batches its occluded copies fill: 4 for
 * the default 8×8 grid, 16 (the default per-request limit) for the largest, 16×16.
 */
export const EXPLAIN_FIELD = "explainMatch";
export const IMAGES_PER_ENCODE_UNIT = 16;
export const MAX_EXPLANATIONS_PER_REQUEST = 1;

export function explainEncodeUnits(grid: unknown): number {
  const g = typeof grid === "number" && Number.isInteger(grid) && grid > 0 ? grid : 8;
  return Math.max(1, Math.ceil((g * g) / IMAGES_PER_ENCODE_UNIT));
}

/** Lists without a size argument (a case's images, a caption's revisions) are assumed this long. */
const ASSUMED_LIST_SIZE = 10;

/**
 * Selections may nest at most this deep (fields, inline fragments and input objects together),
 * checked on the query text before graphql-js parses it: its recursive-descent parser overflows the
 * stack at a few thousand levels, and the error said "Maximum call stack size exceeded".
 */
export const MAX_NESTING = 100;

/** What one operation costs, computed in one linear pass (see analyseOperation). */
export interface OperationCost {
  /** Nested field levels, introspection fields not counted. */
  depth: number;
  /** One per field (`__typename` included), children multiplied by the list size the field returns. */
  complexity: number;
  /** Encoder runs the operation causes: one per encoding root field, an explanation ceil(grid² / 16). */
  encodes: number;
  /** explainMatch fields alone. */
  explanations: number;
}

const tooDeep = (limit: number) =>
  new GraphQLError(`query too deep: selections nest more than ${limit} levels`, {
    extensions: { code: "BAD_USER_INPUT", reason: "QUERY_TOO_DEEP", http: { status: 400 } },
  });

/**
 * The deepest `{`/`[` nesting of a GraphQL source, strings, block strings and comments skipped; it
 * stops counting once past `limit`. Linear in the text and never recursive.
 */
export function sourceNesting(source: string, limit = Number.POSITIVE_INFINITY): number {
  let depth = 0;
  let max = 0;
  for (let i = 0; i < source.length; i++) {
    const c = source.charCodeAt(i);
    if (c === 0x23 /* # */) {
      while (i < source.length && source[i] !== "\n" && source[i] !== "\r") i++;
    } else if (c === 0x22 /* " */) {
      if (source.startsWith('"""', i)) {
        i += 3;
        while (i < source.length && !source.startsWith('"""', i)) i += source.startsWith('\\"""', i) ? 4 : 1;
        i += 2;
      } else {
        for (i++; i < source.length && source[i] !== '"' && source[i] !== "\n"; i++) if (source[i] === "\\") i++;
      }
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > max) max = depth;
      if (max > limit) return max;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      depth = Math.max(0, depth - 1);
    }
  }
  return max;
}

/** Throws BAD_USER_INPUT "query too deep" when the source nests more than MAX_NESTING levels. */
export function checkSourceNesting(source: unknown, limit = MAX_NESTING): void {
  if (typeof source === "string" && sourceNesting(source, limit) > limit) throw tooDeep(limit);
}

const NO_COST: OperationCost = { depth: 0, complexity: 0, encodes: 0, explanations: 0 };

/**
 * Depth, complexity and encode usage of an operation in time linear in the document: each fragment's
 * cost is computed once and reused at every spread (a fragment's cost depends only on itself, as its
 * type condition fixes the type it selects on). Following spreads without that memo made
 * `fragment L0 on Query { ...L1 ...L1 }` … `L21` cost 2²¹ walks: seconds of a blocked event loop
 * for an 865-byte anonymous request. A spread counts once per occurrence (a fragment spread twice costs
 * twice), so such a query's complexity is exponential and it is refused, never executed.
 * Fragments are ordered without recursion (a spread chain can be as long as the body allows); inside
 * one selection set the walk recurses, and refuses more than `maxNesting` levels ("query too deep").
 * Spread cycles (reported by graphql's own rules) and unknown fragments cost nothing.
 */
export function analyseOperation(
  operation: OperationDefinitionNode,
  fragments: Record<string, FragmentDefinitionNode>,
  options: { schema?: GraphQLSchema; variables?: Record<string, unknown>; maxNesting?: number } = {},
): OperationCost {
  const { schema, variables = {}, maxNesting = MAX_NESTING } = options;
  const memo = new Map<string, OperationCost>();

  const spreadsOf = (set: SelectionSetNode, out: string[], level: number): string[] => {
    if (level > maxNesting) throw tooDeep(maxNesting);
    for (const sel of set.selections) {
      if (sel.kind === Kind.FRAGMENT_SPREAD) out.push(sel.name.value);
      else if (sel.selectionSet) spreadsOf(sel.selectionSet, out, level + 1);
    }
    return out;
  };

  const costOf = (set: SelectionSetNode, parent: GraphQLCompositeType | undefined, level: number): OperationCost => {
    if (level > maxNesting) throw tooDeep(maxNesting);
    let depth = 0;
    let complexity = 0;
    let encodes = 0;
    let explanations = 0;
    for (const sel of set.selections) {
      let inner: OperationCost;
      if (sel.kind === Kind.FIELD) {
        const name = sel.name.value;
        if (name === EXPLAIN_FIELD) {
          explanations++;
          encodes += explainEncodeUnits(argValue(sel, "grid", variables));
        } else if (ENCODING_ROOT_FIELDS.has(name)) encodes++;
        if (name.startsWith("__")) {
          // Introspection (`__schema`, `__type`) is on only where configured; `__typename` is one value.
          if (name === "__typename") complexity += 1;
          continue;
        }
        const def: GraphQLField<unknown, unknown> | undefined =
          parent && (isObjectType(parent) || isInterfaceType(parent)) ? parent.getFields()[name] : undefined;
        const named = def ? getNamedType(def.type) : undefined;
        const children = sel.selectionSet
          ? costOf(sel.selectionSet, named && isCompositeType(named) ? named : undefined, level + 1)
          : NO_COST;
        depth = Math.max(depth, 1 + children.depth);
        // Children's encodes do not count: only root fields run an encoder.
        if (def) complexity += 1 + listSize(def, sel, variables) * children.complexity;
        continue;
      }
      if (sel.kind === Kind.INLINE_FRAGMENT) {
        const cond = sel.typeCondition ? schema?.getType(sel.typeCondition.name.value) : parent;
        inner = costOf(sel.selectionSet, cond && isCompositeType(cond) ? cond : undefined, level + 1);
      } else {
        inner = memo.get(sel.name.value) ?? NO_COST;
      }
      depth = Math.max(depth, inner.depth);
      complexity += inner.complexity;
      encodes += inner.encodes;
      explanations += inner.explanations;
    }
    return { depth, complexity, encodes, explanations };
  };

  // Post-order over the fragments the operation reaches, with an explicit stack.
  const state = new Map<string, "open" | "done">();
  const stack: { name: string; deps: string[]; next: number }[] = [];
  const enter = (name: string) => {
    const fragment = fragments[name];
    if (!fragment || state.has(name)) return;
    state.set(name, "open");
    stack.push({ name, deps: spreadsOf(fragment.selectionSet, [], 0), next: 0 });
  };
  for (const name of spreadsOf(operation.selectionSet, [], 0)) {
    enter(name);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      if (top.next < top.deps.length) {
        enter(top.deps[top.next++]!);
        continue;
      }
      stack.pop();
      const fragment = fragments[top.name]!;
      const cond = schema?.getType(fragment.typeCondition.name.value);
      // A dependency still "open" is a cycle: it has no memo entry yet and costs nothing here.
      memo.set(top.name, costOf(fragment.selectionSet, cond && isCompositeType(cond) ? cond : undefined, 0));
      state.set(top.name, "done");
    }
  }
  const root = schema ? (operation.operation === "mutation" ? schema.getMutationType() : schema.getQueryType()) : undefined;
  return costOf(operation.selectionSet, root ?? undefined, 0);
}

/** The list size a field returns: its `first`/`k` argument, the argument's default, or ASSUMED_LIST_SIZE. */
function listSize(def: GraphQLField<unknown, unknown>, sel: FieldNode, variables: Record<string, unknown>): number {
  if (def.name === "edges") return 1; // already multiplied by the connection's `first`
  const sized = (name: string) => {
    const arg = def.args.find((a) => a.name === name);
    if (!arg) return undefined;
    const given = argValue(sel, arg.name, variables) ?? arg.defaultValue;
    return typeof given === "number" && given > 0 ? given : ASSUMED_LIST_SIZE;
  };
  if (isListType(getNullableType(def.type))) return sized("first") ?? sized("k") ?? ASSUMED_LIST_SIZE;
  // Connections: their `edges` list is sized by the connection field's `first`.
  return sized("first") ?? 1;
}

function argValue(field: FieldNode, name: string, variables: Record<string, unknown>): unknown {
  const arg = field.arguments?.find((a) => a.name.value === name);
  return arg ? valueFromASTUntyped(arg.value, variables) : undefined;
}

function fragmentsOf(context: ValidationContext): Record<string, FragmentDefinitionNode> {
  return Object.fromEntries(
    context
      .getDocument()
      .definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((d) => [d.name.value, d]),
  );
}

export function depthLimitRule(maxDepth: number) {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = fragmentsOf(context);
    return {
      OperationDefinition(node) {
        let depth: number;
        try {
          depth = analyseOperation(node, fragments).depth;
        } catch (err) {
          if (err instanceof GraphQLError) return context.reportError(err);
          throw err;
        }
        if (depth > maxDepth) {
          context.reportError(
            new GraphQLError(`query depth ${depth} exceeds the limit of ${maxDepth}`, {
              nodes: [node],
              extensions: { code: "GRAPHQL_VALIDATION_FAILED" },
            }),
          );
        }
      },
    };
  };
}

/** Estimated cost: one per field, children multiplied by the list size the field returns. */
export function operationComplexity(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
): number {
  return analyseOperation(operation, fragments, { schema, variables }).complexity;
}

/**
 * How many encodes the operation causes: one per encoding root field (aliases included), and
 * explainEncodeUnits per explainMatch. `explanations` counts explainMatch fields alone.
 */
export function encodeUsage(
  operation: OperationDefinitionNode,
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Record<string, unknown> = {},
): { encodes: number; explanations: number } {
  const { encodes, explanations } = analyseOperation(operation, fragments, { variables });
  return { encodes, explanations };
}

/** How many encoding root fields (aliases included) the operation selects, explanations weighted. */
export function encodeCount(
  operation: OperationDefinitionNode,
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Record<string, unknown> = {},
): number {
  return encodeUsage(operation, fragments, variables).encodes;
}
