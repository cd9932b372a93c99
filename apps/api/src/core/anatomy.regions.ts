// Body regions for anatomy agreement and attribute-aware captioning. MedPix's `Location Category` is the
// case's topic, not strictly the image's anatomy: its "Abdomen" and "Reproductive and Urinary System"
// categories both hold abdomen and pelvis slices (a genitourinary case shows liver). So figures are
// reported twice: on the raw category, and on anatomical groups where categories that share anatomy
// count as one region. The grouping is per dataset; a dataset without an entry groups nothing.
// The toolkit mirrors this table (models/toolkit/medcap_toolkit/attributes.py, REGION_GROUPS).

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

/**
 * Every location category that may belong to `group` in any dataset (the group's own name included: a
 * category no dataset merges is its own group), for store filters that keep one group.
 */
export function categoriesOfGroup(group: string): string[] {
  const out = new Set([group]);
  for (const table of Object.values(REGION_GROUPS)) for (const [category, g] of Object.entries(table)) if (g === group) out.add(category);
  return [...out];
}
