import { graphql } from "../gql";

// Counts come from `totalCount` of filtered connections: the API has no aggregate query.
export const DashboardDocument = graphql(`
  query Dashboard {
    health {
      status
      database
      retrieval
      uptimeSeconds
    }
    datasets {
      id
      name
      source
      caseCount
    }
    all: cases(first: 1) {
      totalCount
    }
    train: cases(first: 1, filter: { splits: [TRAIN] }) {
      totalCount
    }
    dev: cases(first: 1, filter: { splits: [DEV] }) {
      totalCount
    }
    test: cases(first: 1, filter: { splits: [TEST] }) {
      totalCount
    }
    ct: cases(first: 1, filter: { modalities: [CT] }) {
      totalCount
    }
    mr: cases(first: 1, filter: { modalities: [MR] }) {
      totalCount
    }
    xr: cases(first: 1, filter: { modalities: [XR] }) {
      totalCount
    }
    us: cases(first: 1, filter: { modalities: [US] }) {
      totalCount
    }
    otherModality: cases(first: 1, filter: { modalities: [OTHER] }) {
      totalCount
    }
    openFlags: flags(status: OPEN, first: 5) {
      totalCount
      edges {
        node {
          id
          reason
          raisedBy
          createdAt
          caption {
            id
            text
            image {
              id
              case {
                id
                externalId
              }
            }
          }
        }
      }
    }
    modelVersions {
      ...ModelVersionRef
      embeddingDim
      active
      createdAt
    }
    evaluationRuns {
      id
      protocol
      split
      metrics
      startedAt
      finishedAt
      modelVersion {
        ...ModelVersionRef
      }
    }
  }
`);

export const OpenFlagCountDocument = graphql(`
  query OpenFlagCount {
    flags(status: OPEN, first: 1) {
      totalCount
    }
  }
`);
