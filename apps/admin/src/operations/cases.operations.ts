import { graphql } from "../gql";

export const CaseFacetsDocument = graphql(`
  query CaseFacets {
    datasets {
      id
      name
    }
  }
`);

export const CasesDocument = graphql(`
  query Cases($filter: CaseFilter, $first: Int, $after: String) {
    cases(filter: $filter, first: $first, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        cursor
        node {
          id
          externalId
          split
          title
          caseDiagnosis
          category
          dataset {
            name
          }
          images {
            id
            modality
            plane
            locationCategory
            thumbnailUrl(size: 96)
          }
        }
      }
    }
  }
`);

export const CaseDocument = graphql(`
  query Case($id: ID!) {
    case(id: $id) {
      id
      externalId
      split
      title
      history
      exam
      findings
      differentialDiagnosis
      caseDiagnosis
      diagnosisBy
      topicTitle
      diseaseDiscussion
      acrCode
      category
      createdAt
      updatedAt
      dataset {
        id
        name
        source
        licence
        citation
      }
      images {
        id
        externalId
        width
        height
        format
        modality
        modalityDetail
        plane
        location
        locationCategory
        patientAge
        patientSex
        acrCodes
        figurePart
        caption {
          id
          text
          source
          revision
          updatedAt
          revisions {
            id
            revision
            text
            source
            author
            comment
            createdAt
          }
          flags {
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
        }
      }
    }
  }
`);
