// Evaluation runs: the models to evaluate, their stored runs' figures, and starting a run (an EVALUATION job).
import { graphql } from "../gql";

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
