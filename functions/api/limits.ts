/**
 * Query limits, checked before execution as GraphQL validation rules: the nesting depth of a query and
 * the number of fields it selects (fragments expanded, aliases counted), so one request cannot ask the
 * server for unbounded work. Refusals are validation errors (`GRAPHQL_VALIDATION_FAILED`) saying which
 * limit was passed.
 */
import { GraphQLError, Kind, type ASTVisitor, type FragmentDefinitionNode, type SelectionSetNode, type ValidationContext } from 'graphql';

/**
 * Request bodies larger than this are refused before parsing with 413 `PAYLOAD_TOO_LARGE`, by the Lambda
 * handler and the local server alike: Lambda's own synchronous payload limit.
 */
export const MAX_BODY_BYTES = 6 * 1024 * 1024;

/** The GraphQL-shaped answer to a body over {@link MAX_BODY_BYTES}. */
export function payloadTooLargeBody(): string {
  return JSON.stringify({ errors: [{ message: `request body exceeds ${MAX_BODY_BYTES} bytes`, extensions: { code: 'PAYLOAD_TOO_LARGE' } }] });
}

export const MAX_QUERY_DEPTH = 10;
export const MAX_QUERY_FIELDS = 500;

function measure(
  selectionSet: SelectionSetNode,
  fragments: Record<string, FragmentDefinitionNode>,
  depth: number,
  seen: Set<string>,
): { depth: number; fields: number } {
  let maxDepth = depth;
  let fields = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      fields++;
      if (selection.selectionSet) {
        const inner = measure(selection.selectionSet, fragments, depth + 1, seen);
        maxDepth = Math.max(maxDepth, inner.depth);
        fields += inner.fields;
      }
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      const inner = measure(selection.selectionSet, fragments, depth, seen);
      maxDepth = Math.max(maxDepth, inner.depth);
      fields += inner.fields;
    } else {
      const name = selection.name.value;
      const fragment = fragments[name];
      if (!fragment || seen.has(name)) continue;
      seen.add(name);
      const inner = measure(fragment.selectionSet, fragments, depth, seen);
      seen.delete(name);
      maxDepth = Math.max(maxDepth, inner.depth);
      fields += inner.fields;
    }
  }
  return { depth: maxDepth, fields };
}

export function queryLimits(maxDepth = MAX_QUERY_DEPTH, maxFields = MAX_QUERY_FIELDS) {
  return (context: ValidationContext): ASTVisitor => {
    const fragments: Record<string, FragmentDefinitionNode> = {};
    for (const definition of context.getDocument().definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
    }
    return {
      OperationDefinition(node) {
        const { depth, fields } = measure(node.selectionSet, fragments, 1, new Set());
        if (depth > maxDepth) {
          context.reportError(new GraphQLError(`the query is ${depth} levels deep; at most ${maxDepth} are allowed`, { nodes: [node], extensions: { code: 'QUERY_TOO_COMPLEX' } }));
        } else if (fields > maxFields) {
          context.reportError(new GraphQLError(`the query selects ${fields} fields; at most ${maxFields} are allowed`, { nodes: [node], extensions: { code: 'QUERY_TOO_COMPLEX' } }));
        }
      },
    };
  };
}
