import { graphql } from "../gql";

export const CaptionImageDocument = graphql(`
  query CaptionImage($image: ImageInput!, $k: Int, $filter: SearchFilter, $strategy: CaptionStrategy) {
    captionImage(image: $image, k: $k, filter: $filter, strategy: $strategy) {
      text
      score
      similarity
      vote
      strategy
      supportingImages {
        similarity
        weight
        image {
          id
        }
      }
      modelVersion {
        id
        name
        version
      }
      captions {
        id
      }
      provenance {
        image {
          id
          modality
          plane
        }
        case {
          id
          externalId
          title
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
      score
      modelVersion {
        id
        name
        version
      }
      image {
        id
        modality
        plane
        locationCategory
        caption {
          id
          text
        }
      }
      provenance {
        case {
          id
          externalId
          title
        }
        dataset {
          name
        }
      }
    }
  }
`);

export const SimilarImagesDocument = graphql(`
  query SimilarImages($image: ImageInput!, $k: Int, $filter: SearchFilter, $excludeSameCase: Boolean) {
    similarImages(image: $image, k: $k, filter: $filter, excludeSameCase: $excludeSameCase) {
      score
      modelVersion {
        id
        name
        version
      }
      image {
        id
        modality
        plane
        locationCategory
        caption {
          id
          text
        }
      }
      provenance {
        case {
          id
          externalId
          title
        }
        dataset {
          name
        }
      }
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
