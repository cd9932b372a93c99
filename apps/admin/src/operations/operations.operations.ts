import { graphql } from "../gql";

export const EvaluationsDocument = graphql(`
  query Evaluations {
    modelVersions {
      id
      name
      version
      active
    }
    evaluationRuns {
      id
      protocol
      split
      params
      metrics
      startedAt
      finishedAt
      modelVersion {
        id
        name
        version
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
      id
      kind
      status
      progress
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
      id
      kind
      status
      progress
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
