// explainMatch: read the query image like captionImage does, then the explanation service (via the
// retrieval port, so it follows the served model); the rest maps the service's result to the SDL.
import type { GraphQLContext } from "../graphql.context.js";
import { readImageInput } from "../image.input.js";
import type { Resolvers } from "../resolvers.generated.js";

export const explainResolvers: Resolvers = {
  Query: {
    explainMatch: async (_, { image, captionId, imageId, grid, patch }, ctx: GraphQLContext) => {
      const search = ctx.services.search;
      // Grid and target are checked before the image is read: a bad argument costs no upload.
      search.checkExplainArgs({ captionId, imageId }, { grid, patch });
      const query = await readImageInput(image, search.limits);
      return search.explainMatch(query, { captionId, imageId }, { grid, patch });
    },
  },
  MatchExplanation: {
    targetKind: (e) => e.target.kind,
    targetId: (e) => e.target.id,
    targetText: (e) => e.target.text,
    wordWeights: (e) => e.words,
    modelVersion: (e) => e.model,
  },
  HeatmapOverlay: {
    pngBase64: (o) => o.png.toString("base64"),
    dataUrl: (o) => `data:image/png;base64,${o.png.toString("base64")}`,
  },
};
