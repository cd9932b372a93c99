import { graphql } from "../gql";

/** "Why this match": the occlusion overlay and, for a caption target, the caption's word weights. */
export const ExplainMatchDocument = graphql(`
  query ExplainMatch($image: ImageInput!, $captionId: ID, $imageId: ID, $grid: Int) {
    explainMatch(image: $image, captionId: $captionId, imageId: $imageId, grid: $grid) {
      grid
      targetKind
      targetId
      targetText
      similarity
      imageWidth
      imageHeight
      cached
      computeMs
      imageEncodes
      textEncodes
      topCells {
        row
        col
        drop
        heat
      }
      overlay {
        width
        height
        dataUrl
      }
      wordWeights {
        word
        start
        drop
        weight
      }
      modelVersion {
        ...ModelRefFields
      }
    }
  }
`);
