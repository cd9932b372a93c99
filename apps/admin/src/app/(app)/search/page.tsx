import type { Metadata } from "next";
import { attempt } from "../../../components/states";
import { can } from "../../../lib/roles";
import { query, requireSession } from "../../../lib/session";
import { CaseFacetsDocument } from "../../../operations/cases.operations";
import { CaptioningDefaultsDocument } from "../../../operations/search.operations";
import { SearchPlayground } from "./search-playground";

export const metadata: Metadata = { title: "Search" };

export default async function SearchPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  const session = await requireSession();
  const facets = await attempt(() => query(CaseFacetsDocument, {}));
  const captioning = await attempt(() => query(CaptioningDefaultsDocument, {}));
  const imageId = typeof params.imageId === "string" ? params.imageId : "";
  const mode =
    params.mode === "caption" || params.mode === "similar" || params.mode === "text" ? params.mode : imageId ? "similar" : "text";
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Search playground</h1>
          <p className="sub">
            Image → captions, text → images, image → similar images. Every result carries its score, model version and source case.
          </p>
        </div>
      </div>
      <SearchPlayground
        datasets={facets.data?.datasets.map((d) => d.name) ?? []}
        initialMode={mode}
        initialImageId={imageId}
        canFlag={can.flag(session.role)}
        defaultStrategy={captioning.data?.captioningDefaults?.strategy ?? null}
      />
    </>
  );
}
