// Body regions for anatomy agreement and attribute-aware captioning. MedPix's `Location Category` is the
// case's topic, not strictly the image's anatomy: its "Abdomen" and "Reproductive and Urinary System"
// categories both hold abdomen and pelvis slices (a genitourinary case shows liver). So figures are
// reported twice: on the raw category, and on anatomical groups where categories that share anatomy
// count as one region. The grouping is per dataset; a dataset without an entry groups nothing.
// The toolkit mirrors this table (models/toolkit/medcap_toolkit/attributes.py, REGION_GROUPS), and a model
// with attribute heads carries its own copy (manifest image.attributes.regionGroups), which the attribute
// prior uses: a prediction is compared in the model's label space, whatever the dataset is called.

/** Category → group name, per dataset name. */
export const REGION_GROUPS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  "medpix-2.0": {
    Abdomen: "Abdomen and Pelvis",
    "Reproductive and Urinary System": "Abdomen and Pelvis",
  },
};

/** The anatomical group of a location category (the category itself where the dataset merges nothing). */
export function regionGroup(dataset: string | null | undefined, locationCategory: string | null | undefined): string | null {
  if (locationCategory === null || locationCategory === undefined || locationCategory === "") return null;
  const table = dataset ? REGION_GROUPS[dataset] : undefined;
  return table?.[locationCategory] ?? locationCategory;
}
