// API keys: the list, creating one (its secret is shown once) and revoking one.
import { graphql } from "../gql";

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
