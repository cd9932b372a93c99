// Model versions: the list with their evaluation runs, activating a version and re-indexing one (a REINDEX job).
import { graphql } from "../gql";

/** How a model version is named next to an evaluation or in a list of versions. */
export const ModelVersionRefFragment = graphql(`
  fragment ModelVersionRef on ModelVersion {
    id
    name
    version
  }
`);

export const ModelsDocument = graphql(`
  query Models {
    modelVersions {
      id
      name
      version
      embeddingDim
      manifestSha256
      active
      createdAt
      evaluationRuns {
        id
        protocol
        split
        metrics
        finishedAt
      }
    }
  }
`);

export const ActivateModelVersionDocument = graphql(`
  mutation ActivateModelVersion($id: ID!) {
    activateModelVersion(id: $id) {
      id
      active
    }
  }
`);

export const ReindexDocument = graphql(`
  mutation Reindex($modelVersionId: ID) {
    reindex(modelVersionId: $modelVersionId) {
      ...JobStarted
    }
  }
`);
