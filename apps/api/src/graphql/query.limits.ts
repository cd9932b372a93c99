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

/**
 * How many encodes the operation causes: one per encoding root field (aliases included), and
 * explainEncodeUnits per explainMatch. `explanations` counts explainMatch fields alone.
 */
export function encodeUsage(
  operation: OperationDefinitionNode,
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Record<string, unknown> = {},
): { encodes: number; explanations: number } {
  let explanations = 0;
  const count = (set: SelectionSetNode, seen: Set<string>): number => {
    let n = 0;
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        if (sel.name.value === EXPLAIN_FIELD) {
          explanations++;
          n += explainEncodeUnits(argValue(sel, "grid", variables));
        } else n += ENCODING_ROOT_FIELDS.has(sel.name.value) ? 1 : 0;
      } else if (sel.kind === Kind.INLINE_FRAGMENT) n += count(sel.selectionSet, seen);
      else {
        const fragment = fragments[sel.name.value];
        if (fragment && !seen.has(sel.name.value)) n += count(fragment.selectionSet, new Set([...seen, sel.name.value]));
      }
    }
    return n;
  };
  return { encodes: count(operation.selectionSet, new Set()), explanations };
}

/** How many encoding root fields (aliases included) the operation selects, explanations weighted. */
export function encodeCount(
  operation: OperationDefinitionNode,
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Record<string, unknown> = {},
): number {
  return encodeUsage(operation, fragments, variables).encodes;
}

/** Lists without a size argument (a case's images, a caption's revisions) are assumed this long. */
const ASSUMED_LIST_SIZE = 10;

function depthOf(set: SelectionSetNode | undefined, fragments: Record<string, FragmentDefinitionNode>, seen: Set<string>): number {
  if (!set) return 0;
  let max = 0;
  for (const sel of set.selections) {
    if (sel.kind === Kind.FIELD) {
      if (sel.name.value.startsWith("__")) continue;
      max = Math.max(max, sel.selectionSet ? 1 + depthOf(sel.selectionSet, fragments, seen) : 1);
    } else if (sel.kind === Kind.INLINE_FRAGMENT) {
      max = Math.max(max, depthOf(sel.selectionSet, fragments, seen));
    } else {
      const name = sel.name.value;
      const fragment = fragments[name];
      if (!fragment || seen.has(name)) continue; // cycles are reported by graphql's own rules
      max = Math.max(max, depthOf(fragment.selectionSet, fragments, new Set([...seen, name])));
    }
  }
  return max;
}

export function depthLimitRule(maxDepth: number) {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = Object.fromEntries(
      context
        .getDocument()
        .definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
        .map((d) => [d.name.value, d]),
    );
    return {
      OperationDefinition(node) {
        const depth = depthOf(node.selectionSet, fragments, new Set());
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

function argValue(field: FieldNode, name: string, variables: Record<string, unknown>): unknown {
  const arg = field.arguments?.find((a) => a.name.value === name);
  return arg ? valueFromASTUntyped(arg.value, variables) : undefined;
}

/**
 * Estimated cost: one per field, children multiplied by the list size the field returns (its
 * `first`/`k` argument, the argument's default, or ASSUMED_LIST_SIZE).
 */
export function operationComplexity(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
): number {
  const root = operation.operation === "mutation" ? schema.getMutationType() : schema.getQueryType();
  if (!root) return 0;
  const cost = (set: SelectionSetNode, parent: GraphQLCompositeType, seen: Set<string>): number => {
    let total = 0;
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        if (sel.name.value.startsWith("__")) continue;
        const def: GraphQLField<unknown, unknown> | undefined =
          isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[sel.name.value] : undefined;
        if (!def) continue;
        let size = 1;
        if (def.name === "edges") {
          size = 1; // already multiplied by the connection's `first`
        } else if (isListType(getNullableType(def.type))) {
          const sizeArg = def.args.find((a) => a.name === "first" || a.name === "k");
          const given = sizeArg ? (argValue(sel, sizeArg.name, variables) ?? sizeArg.defaultValue) : undefined;
          size = typeof given === "number" && given > 0 ? given : ASSUMED_LIST_SIZE;
        } else {
          // Connections: their `edges` list is sized by the connection field's `first`.
          const first = def.args.find((a) => a.name === "first");
          if (first) {
            const given = argValue(sel, "first", variables) ?? first.defaultValue;
            size = typeof given === "number" && given > 0 ? given : ASSUMED_LIST_SIZE;
          }
        }
        const named = getNamedType(def.type);
        const children = sel.selectionSet && isCompositeType(named) ? cost(sel.selectionSet, named, seen) : 0;
        total += 1 + size * children;
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        const cond = sel.typeCondition ? schema.getType(sel.typeCondition.name.value) : parent;
        total += cond && isCompositeType(cond) ? cost(sel.selectionSet, cond, seen) : 0;
      } else {
        const fragment = fragments[sel.name.value];
        if (!fragment || seen.has(sel.name.value)) continue;
        const cond = schema.getType(fragment.typeCondition.name.value);
        total += cond && isCompositeType(cond) ? cost(fragment.selectionSet, cond, new Set([...seen, sel.name.value])) : 0;
      }
    }
    return total;
  };
  return cost(operation.selectionSet, root, new Set());
}
