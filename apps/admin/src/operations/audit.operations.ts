import { graphql } from "../gql";

/** The audit page: open suspicions, most suspicious first, with the images that carry each caption. */
export const CaptionSuspicionsDocument = graphql(`
  query CaptionSuspicions($first: Int, $after: String, $filter: CaptionSuspicionFilter) {
    captionSuspicions(first: $first, after: $after, filter: $filter) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        cursor
        node {
          id
          score
          checkedAt
          reasons {
            code
            detail
            strength
            words
          }
          caption {
            id
            text
            revision
          }
          images {
            ...ImageFacets
            modalityDetail
            location
            case {
              ...CaseRef
            }
          }
        }
      }
    }
  }
`);

/** The dashboard's count of open suspicions (annotators and up only: viewers cannot see suspicions). */
export const SuspicionCountDocument = graphql(`
  query SuspicionCount {
    captionSuspicions(first: 1) {
      totalCount
    }
  }
`);

export const DismissSuspicionDocument = graphql(`
  mutation DismissSuspicion($id: ID!, $note: String) {
    dismissSuspicion(id: $id, note: $note) {
      id
      dismissed
    }
  }
`);

export const FlagFromSuspicionDocument = graphql(`
  mutation FlagFromSuspicion($id: ID!) {
    flagFromSuspicion(id: $id) {
      id
      reason
    }
  }
`);
