// Background jobs: what a queued job returns for the progress bar, and polling one.
import { graphql } from "../gql";

/** A job just queued: enough for the progress bar to start polling it. */
export const JobStartedFragment = graphql(`
  fragment JobStarted on Job {
    id
    kind
    status
    progress
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
