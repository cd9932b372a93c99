import { graphql } from "../gql";

/** How a model version is named next to an evaluation or in a list of versions. */
export const ModelVersionRefFragment = graphql(`
  fragment ModelVersionRef on ModelVersion {
    id
    name
    version
  }
`);

/** A job just queued: enough for the progress bar to start polling it. */
export const JobStartedFragment = graphql(`
  fragment JobStarted on Job {
    id
    kind
    status
    progress
  }
`);

/** One anatomy agreement figure with its random floor and how many query images counted. */
export const AgreementFigureFieldsFragment = graphql(`
  fragment AgreementFigureFields on AgreementFigure {
    value
    floor
    n
  }
`);

export const EvaluationsDocument = graphql(`
  query Evaluations {
    modelVersions {
      ...ModelVersionRef
      active
    }
    evaluationRuns {
      id
      protocol
      split
      params
      metrics
      anatomy {
        basis
        top1 {
          regionRaw {
            ...AgreementFigureFields
          }
          regionGrouped {
            ...AgreementFigureFields
          }
          modality {
            ...AgreementFigureFields
          }
          plane {
            ...AgreementFigureFields
          }
        }
        allOfTop5 {
          regionGrouped {
            ...AgreementFigureFields
          }
          modality {
            ...AgreementFigureFields
          }
          plane {
            ...AgreementFigureFields
          }
        }
      }
      startedAt
      finishedAt
      modelVersion {
        ...ModelVersionRef
      }
      job {
        id
        status
      }
    }
  }
`);

export const RunEvaluationDocument = graphql(`
  mutation RunEvaluation($protocol: EvaluationProtocol!, $split: Split!, $modelVersionId: ID) {
    runEvaluation(protocol: $protocol, split: $split, modelVersionId: $modelVersionId) {
      ...JobStarted
    }
  }
`);

export const JobDocument = graphql(`
  query Job($id: ID!) {
    job(id: $id) {
      id
      kind
      status
      progress
      message
      error
      result
      createdBy
      createdAt
      startedAt
      finishedAt
    }
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

export const ApiKeysDocument = graphql(`
  query ApiKeys {
    apiKeys {
      id
      label
      role
      prefix
      revoked
      createdAt
      revokedAt
      lastUsedAt
    }
  }
`);

export const CreateApiKeyDocument = graphql(`
  mutation CreateApiKey($label: String!, $role: Role!) {
    createApiKey(label: $label, role: $role) {
      secret
      key {
        id
        label
        role
        prefix
      }
    }
  }
`);

export const RevokeApiKeyDocument = graphql(`
  mutation RevokeApiKey($id: ID!) {
    revokeApiKey(id: $id) {
      id
      revoked
    }
  }
`);
