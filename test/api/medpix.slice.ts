// A real slice of MedPix 2.0 for the end-to-end tests: chosen cases written as a JSON-lines dataset
// (image paths into the shared copy), imported and indexed through the CLI as a user would.
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { medcapJson, medpixDir } from "./medcap.process.js";

export interface MedpixDescription {
  U_id: string;
  image: string;
  Type: string;
  Description: { Caption: string; Plane: string | null };
}

const root = path.join(medpixDir, "MedPix-2-0");

export async function readMedpixDescriptions(): Promise<MedpixDescription[]> {
  return JSON.parse(await readFile(path.join(root, "Descriptions.json"), "utf8")) as MedpixDescription[];
}

/** What `medcap index --json` reports about the slice. */
export interface SliceIndexReport {
  images: number;
  captions: number;
  /** Whether the indexed version is the active one (the first index of a fresh database makes it so). */
  active: boolean;
}

/**
 * Imports every image of the given cases as dataset `medpix-slice` into the data folder of `env`,
 * then indexes it (its report is returned). Case i (in the order given) goes to dev when i % devEvery === devEvery - 1.
 */
export async function importMedpixSlice(
  dataDir: string,
  env: Record<string, string>,
  slice: { descriptions: MedpixDescription[]; caseIds: string[]; devEvery: number; title?: (caseId: string) => string },
): Promise<{ cases: { imported: number }; index: SliceIndexReport }> {
  const { caseIds, devEvery } = slice;
  const lines = slice.descriptions
    .filter((d) => caseIds.includes(d.U_id))
    .map((d) =>
      JSON.stringify({
        id: d.image,
        image: path.join(root, "images", `${d.image}.png`),
        caption: d.Description.Caption,
        case: d.U_id,
        modality: d.Type,
        plane: d.Description.Plane,
        split: caseIds.indexOf(d.U_id) % devEvery === devEvery - 1 ? "dev" : "train",
        ...(slice.title ? { title: slice.title(d.U_id) } : {}),
      }),
    );
  const file = path.join(dataDir, "slice.jsonl");
  await writeFile(file, `${lines.join("\n")}\n`);
  const imported = await medcapJson<{ cases: { imported: number } }>(["import", "jsonl", file, "--dataset", "medpix-slice", "--json"], env);
  const index = await medcapJson<SliceIndexReport>(["index", "--json"], env);
  return { cases: imported.cases, index };
}
