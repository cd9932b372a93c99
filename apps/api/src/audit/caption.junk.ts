// Captions that cannot be right whatever the image: template leftovers, bare figure numbers, text too
// short to describe a finding, text with no clinical content, encoding garbage.
import type { SuspicionReason } from "./suspicion.reason.js";

const PLACEHOLDERS: [RegExp, string][] = [
  [/\breplace this\b/i, "a template instruction (“Replace this …”)"],
  [/\bdescription of the (image|findings?)\b/i, "the template's own heading"],
  [/\blorem ipsum\b|\bdolor sit amet\b/i, "lorem ipsum filler"],
  [/^\W*(tbd|tba|todo|to be (determined|added|done)|pending|in progress|n\/?a|none|null|undefined|xxx+|\?+|-+|\.+)\W*$/i, "a placeholder"],
  [/^\W*(see|as) (above|below|text|caption|previous|prior)\b/i, "a pointer to text that is not there"],
  [/\b(caption|text|description) (goes )?here\b|\binsert (caption|text|description)\b/i, "a template slot"],
];

/** Words that say what kind of picture it is, not what it shows. */
const GENERIC = new Set(
  (
    "a an the of and or with without in on at to for from by is are was were be this that these those image images img picture " +
    "figure fig slide view views scan scans study series film photo photograph shown showing shows demonstrates demonstrating " +
    "ct cta mr mri mra t1 t2 t1w t2w flair dwi adc gre swi stir pd contrast enhanced noncontrast non post pre iv gd gadolinium " +
    "axial coronal sagittal transverse lateral frontal ap pa oblique plane reformat reformatted reconstruction 3d " +
    "follow up followup subsequent initial prior previous later repeat another additional same again more " +
    "weighted sequence sequences level levels section sections slice slices cut cuts part panel left right upper lower top bottom " +
    "1 2 3 4 5 6 7 8 9 10 i ii iii iv a b c d"
  ).split(" "),
);

const words = (text: string) => text.toLowerCase().match(/[a-z0-9]+/g) ?? [];

/** The content words of a caption: what is left once type-of-picture words are removed. */
export function contentWords(text: string): string[] {
  return words(text).filter((w) => !GENERIC.has(w) && !/^\d+[a-z]?$/.test(w));
}

export function junkReasons(text: string): SuspicionReason[] {
  const t = text.trim();
  const out: SuspicionReason[] = [];
  for (const [re, what] of PLACEHOLDERS) {
    if (re.test(t)) {
      out.push({ code: "PLACEHOLDER", detail: `The caption is ${what}, not a description: “${t.slice(0, 80)}”.`, strength: 0.97 });
      return out;
    }
  }
  if (/^\W*((fig(ure)?|images?|img|slide|panel|series|ct|mri?|cta|mra)\.?\s*)+#?\s*\d+[a-z]?\W*$/i.test(t)) {
    out.push({ code: "FIGURE_NUMBER", detail: `The caption is a bare figure number (“${t}”).`, strength: 0.95 });
    return out;
  }
  if (t === "") {
    out.push({ code: "TOO_SHORT", detail: "The caption is empty.", strength: 0.97 });
    return out;
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are the debris looked for
  const garbage = t.match(/Ã.|Â.|â€|\uFFFD|&#?\w+;|<\/?[a-z]+[^>]*>|[\u0000-\u0008\u000e-\u001f]/g);
  const letters = (t.match(/[a-z]/gi) ?? []).length;
  if (garbage?.length || (t.length >= 8 && letters / t.length < 0.5)) {
    out.push({
      code: "ENCODING_GARBAGE",
      detail: garbage?.length
        ? `The caption holds encoding debris (${[...new Set(garbage)].slice(0, 3).join(" ")}).`
        : "The caption is mostly symbols or digits, not words.",
      strength: 0.8,
      words: garbage ? [...new Set(garbage)] : undefined,
    });
  }
  const content = contentWords(t);
  if (content.length === 0) {
    out.push({
      code: "NO_CLINICAL_CONTENT",
      detail: `The caption only names the kind of picture (“${t.slice(0, 60)}”), not a finding or anatomy.`,
      strength: 0.9,
    });
  } else if (content.length === 1 && words(t).length <= 3) {
    out.push({
      code: "TOO_SHORT",
      detail: `The caption is too short to describe the image (“${t}”).`,
      strength: 0.5,
    });
  }
  return out;
}
