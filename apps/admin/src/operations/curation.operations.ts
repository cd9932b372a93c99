import { graphql } from "../gql";

/** A flag and its resolution, as the case page's flag list and the review queue show it. */
export const FlagFieldsFragment = graphql(`
  fragment FlagFields on Flag {
    id
    reason
    note
    status
    raisedBy
    resolvedBy
    resolutionComment
    correctedText
    createdAt
    resolvedAt
  }
`);

export const FlagQueueDocument = graphql(`
  query FlagQueue($status: FlagStatus, $first: Int, $after: String) {
    flags(status: $status, first: $first, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        cursor
        node {
          ...FlagFields
          caption {
            id
            text
            source
            revision
            image {
              ...ImageFacets
              width
              height
              modalityDetail
              location
              case {
                ...CaseRef
                caseDiagnosis
              }
            }
          }
        }
      }
    }
  }
`);

export const FlagCaptionDocument = graphql(`
  mutation FlagCaption($captionId: ID!, $reason: FlagReason!, $note: String) {
    flagCaption(captionId: $captionId, reason: $reason, note: $note) {
      id
      status
    }
  }
`);

export const ResolveFlagDocument = graphql(`
  mutation ResolveFlag($id: ID!, $decision: FlagDecision!, $correctedText: String, $comment: String) {
    resolveFlag(id: $id, decision: $decision, correctedText: $correctedText, comment: $comment) {
      id
      status
      correctedText
      caption {
        id
        text
        revision
      }
    }
  }
`);

export const UpdateCaptionDocument = graphql(`
  mutation UpdateCaption($id: ID!, $text: String!, $comment: String) {
    updateCaption(id: $id, text: $text, comment: $comment) {
      id
      text
      revision
    }
  }
`);

/** A curator adds an image (upload) with its caption and the metadata they confirmed. */
export const AddImageDocument = graphql(`
  mutation AddImage($input: AddImageInput!) {
    addImage(input: $input) {
      id
    }
  }
`);
