import { graphql } from "../gql";

// Fragments: the selections several operations share, so a field added once reaches every result that shows it.
// Fragment masking is off (codegen.ts): a spread's fields sit in the operation's own result type, and the
// fragment's type (e.g. ImageMatchFieldsFragment) names the shape components take.

/** The model version that scored a match, as every search result names it. */
export const ModelRefFieldsFragment = graphql(`
  fragment ModelRefFields on ModelRef {
    id
    name
    version
  }
`);

/** The query's predicted attributes and the prior an answer ran under (models with attribute heads). */
export const AttributeFieldsFragment = graphql(`
  fragment AttributeFields on AttributePrediction {
    attribute
    label
    probability
    alternatives {
      label
      probability
    }
  }
`);

/** One image match: what the search playground shows for text-to-image and similar-image results. */
export const ImageMatchFieldsFragment = graphql(`
  fragment ImageMatchFields on ImageMatch {
    score
    similarity
    contradicts
    queryAttributes {
      ...AttributeFields
    }
    restriction {
      summary
    }
    modelVersion {
      ...ModelRefFields
    }
    image {
      ...ImageFacets
      caption {
        id
        text
      }
    }
    provenance {
      case {
        ...CaseRef
      }
      dataset {
        name
      }
    }
  }
`);

export const CaptionImageDocument = graphql(`
  query CaptionImage($image: ImageInput!, $k: Int, $filter: SearchFilter, $strategy: CaptionStrategy) {
    captionImage(image: $image, k: $k, filter: $filter, strategy: $strategy) {
      text
      score
      similarity
      vote
      strategy
      contradicts
      queryAttributes {
        ...AttributeFields
      }
      restriction {
        summary
      }
      supportingImages {
        similarity
        weight
        image {
          id
        }
      }
      modelVersion {
        ...ModelRefFields
      }
      captions {
        id
      }
      provenance {
        image {
          ...ImageFacets
        }
        case {
          ...CaseRef
        }
        dataset {
          name
        }
      }
    }
  }
`);

export const SearchImagesDocument = graphql(`
  query SearchImages($text: String!, $k: Int, $filter: SearchFilter) {
    searchImages(text: $text, k: $k, filter: $filter) {
      ...ImageMatchFields
    }
  }
`);

export const SimilarImagesDocument = graphql(`
  query SimilarImages($image: ImageInput!, $k: Int, $filter: SearchFilter, $excludeSameCase: Boolean) {
    similarImages(image: $image, k: $k, filter: $filter, excludeSameCase: $excludeSameCase) {
      ...ImageMatchFields
    }
  }
`);

export const CaptioningDefaultsDocument = graphql(`
  query CaptioningDefaults {
    captioningDefaults {
      strategy
      neighbours
      temperature
      weight
      consensus
    }
  }
`);

/** The attribute heads' predictions for an uploaded image: the add-image form's suggestions. */
export const ClassifyImageDocument = graphql(`
  query ClassifyImage($image: ImageInput!) {
    classifyImage(image: $image) {
      attributes {
        ...AttributeFields
      }
      modelVersion {
        ...ModelRefFields
      }
    }
  }
`);
