// What the attribute heads of the image graph say about an image (issue #24): modality, region (the
// MedPix Location Category), plane and MR sequence / CT contrast, each as a probability over its labels,
// plus the anatomical region group (regions that share anatomy summed, core/anatomy.regions.ts).
// Pure: the encoder hands over one row of the graph's `attributes` output and the manifest's layout.

/**
 * The layout of the graph's `attributes` output, as the model manifest declares it (encoders/
 * model.manifest.ts validates it; its parsed type fits this shape). Declared here so attributes/
 * stays below encoders/, which reads the heads through this module.
 */
export interface AttributeLayout {
  /** Name of the graph output that holds the concatenated softmaxes, and its width. */
  output: string;
  width: number;
  heads: readonly { name: string; offset: number; labels: readonly string[] }[];
  /** Region label → its anatomical group; a region absent here is its own group. */
  regionGroups?: Readonly<Record<string, string>>;
}

export interface LabelProbability {
  label: string;
  probability: number;
}

export interface AttributePrediction {
  /** modality | region | regionGroup | plane | sequence (the manifest's head names, plus regionGroup). */
  attribute: string;
  /** The most probable label. */
  label: string;
  probability: number;
  /** Every label, most probable first (the top one included). */
  alternatives: LabelProbability[];
}

/** The derived attribute: region probabilities summed over the groups of regions that share anatomy. */
export const REGION_GROUP = "regionGroup";

function prediction(attribute: string, probs: LabelProbability[]): AttributePrediction {
  const alternatives = [...probs].sort((a, b) => b.probability - a.probability || (a.label < b.label ? -1 : 1));
  const top = alternatives[0] as LabelProbability;
  return { attribute, label: top.label, probability: top.probability, alternatives };
}

/** One row of the `attributes` output → a prediction per head, and the region group after `region`. */
export function readAttributes(row: Float32Array, spec: AttributeLayout): AttributePrediction[] {
  const out: AttributePrediction[] = [];
  for (const head of spec.heads) {
    const probs = head.labels.map((label, i) => ({ label, probability: row[head.offset + i] as number }));
    out.push(prediction(head.name, probs));
    if (head.name === "region") {
      const groups = new Map<string, number>();
      for (const p of probs) {
        const g = spec.regionGroups?.[p.label] ?? p.label;
        groups.set(g, (groups.get(g) ?? 0) + p.probability);
      }
      out.push(
        prediction(
          REGION_GROUP,
          [...groups].map(([label, probability]) => ({ label, probability })),
        ),
      );
    }
  }
  return out;
}

/** The prediction of one attribute, if the model has that head. */
export const attributeOf = (preds: readonly AttributePrediction[] | null | undefined, attribute: string) =>
  preds?.find((p) => p.attribute === attribute);
