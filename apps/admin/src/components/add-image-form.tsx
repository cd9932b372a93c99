"use client";

// A curator adds an image to a case. Choosing the file asks the served model's attribute heads what it
// shows (classifyImage) and pre-fills modality, plane and region as *suggestions*: marked as such, with
// their probability, until the curator confirms or changes each one. Nothing is stored before "Add image".
import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { addImageAction, classifyUploadAction } from "../actions/image.actions";
import type { AttributeFieldsFragment } from "../gql/graphql";
import { LOCATION_CATEGORIES, MODALITIES, PLANES } from "../lib/format";

type Field = "modality" | "plane" | "locationCategory";
const HEAD_OF: Record<Field, string> = { modality: "modality", plane: "plane", locationCategory: "region" };

/** The suggestion for a form field: the head's label where the field offers it (the plane head's "Other" does not). */
function suggestionFor(field: Field, attributes: AttributeFieldsFragment[], options: readonly string[]) {
  const a = attributes.find((x) => x.attribute === HEAD_OF[field]);
  return a && options.includes(a.label) ? { value: a.label, probability: a.probability } : null;
}

export function AddImageForm({ caseId }: { caseId: string }) {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [attributes, setAttributes] = useState<AttributeFieldsFragment[] | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [values, setValues] = useState<Record<Field, string>>({ modality: "", plane: "", locationCategory: "" });
  const [suggested, setSuggested] = useState<Partial<Record<Field, number>>>({});
  const [pending, start] = useTransition();

  const options: Record<Field, readonly string[]> = { modality: MODALITIES, plane: PLANES, locationCategory: LOCATION_CATEGORIES };

  function onFile(file: File | undefined) {
    setAttributes(null);
    setSuggested({});
    setError(null);
    if (!file) return;
    const form = new FormData();
    form.set("file", file);
    start(async () => {
      const result = await classifyUploadAction(form);
      if (!result.ok) {
        // Suggestions are a convenience: a model without heads (or a refused file) leaves the form manual.
        setNote(result.code === "CONFLICT" ? "The served model has no attribute heads: fill in the metadata." : result.error);
        return;
      }
      setAttributes(result.data.attributes);
      setNote(`Suggested by ${result.data.model}: check each before adding.`);
      const next = { ...values };
      const marks: Partial<Record<Field, number>> = {};
      for (const field of Object.keys(HEAD_OF) as Field[]) {
        const s = suggestionFor(field, result.data.attributes, options[field]);
        if (s && !values[field]) {
          next[field] = s.value;
          marks[field] = s.probability;
        }
      }
      setValues(next);
      setSuggested(marks);
    });
  }

  function submit(form: FormData) {
    setError(null);
    start(async () => {
      const result = await addImageAction(form);
      if (!result.ok) {
        setError(result.error);
        return;
      }
      setOpen(false);
      setAttributes(null);
      router.refresh();
    });
  }

  if (!open)
    return (
      <button type="button" className="btn" onClick={() => setOpen(true)} data-testid="add-image-open">
        Add image…
      </button>
    );

  return (
    <form action={submit} className="stack" data-testid="add-image-form" style={{ maxWidth: 640 }}>
      <input type="hidden" name="caseId" value={caseId} />
      <label className="field">
        <span>Image (PNG, JPEG, WebP, TIFF or DICOM)</span>
        <input
          type="file"
          name="file"
          required
          accept=".png,.jpg,.jpeg,.webp,.tif,.tiff,.dcm,.dicom,image/*,application/dicom"
          onChange={(e) => onFile(e.target.files?.[0])}
        />
      </label>
      {note ? (
        <p className="small muted" data-testid="add-image-note">
          {note}
        </p>
      ) : null}
      {(Object.keys(HEAD_OF) as Field[]).map((field) => (
        <label className="field" key={field}>
          <span>
            {field === "locationCategory" ? "Region (location category)" : field === "modality" ? "Modality" : "Plane"}
            {suggested[field] !== undefined ? (
              <span
                className="pill pill-accent small"
                style={{ marginLeft: 6 }}
                data-testid={`suggested-${field}`}
                title="Suggested by the model: confirm or change it"
              >
                suggested · p = {(suggested[field] as number).toFixed(2)}
              </span>
            ) : null}
          </span>
          <select
            name={field}
            value={values[field]}
            required={field === "modality"}
            onChange={(e) => {
              setValues({ ...values, [field]: e.target.value });
              setSuggested((s) => ({ ...s, [field]: undefined }));
            }}
          >
            <option value="">—</option>
            {options[field].map((o) => (
              <option key={o} value={o}>
                {o}
              </option>
            ))}
          </select>
        </label>
      ))}
      {attributes?.some((a) => a.attribute === "sequence") ? (
        <p className="small muted">
          Sequence / contrast: {attributes.find((a) => a.attribute === "sequence")?.label} (p ={" "}
          {attributes.find((a) => a.attribute === "sequence")?.probability.toFixed(2)})
        </p>
      ) : null}
      <label className="field">
        <span>Caption</span>
        <textarea name="caption" rows={3} required />
      </label>
      {error ? (
        <p className="alert alert-error" role="alert">
          {error}
        </p>
      ) : null}
      <div className="row">
        <button type="submit" className="btn btn-primary" disabled={pending}>
          {pending ? "Working…" : "Add image"}
        </button>
        <button type="button" className="btn" onClick={() => setOpen(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}
