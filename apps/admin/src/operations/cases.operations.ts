import { graphql } from "../gql";

/** How a case is named wherever a result links to it. */
export const CaseRefFragment = graphql(`
  fragment CaseRef on Case {
    id
    externalId
    title
  }
`);

/** The facets an image is filtered and labelled by, in lists, search results and the review queue. */
export const ImageFacetsFragment = graphql(`
  fragment ImageFacets on Image {
    id
    modality
    plane
    locationCategory
  }
`);

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
          ...CaseRef
          split
          caseDiagnosis
          category
          dataset {
            name
          }
          images {
            ...ImageFacets
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
      ...CaseRef
      split
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
        ...ImageFacets
        externalId
        width
        height
        format
        modalityDetail
        location
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
            ...FlagFields
          }
        }
      }
    }
  }
`);
