// Captions that contradict their own image's metadata: another modality's words ("T2", "FLAIR" on a
// CT), another plane, anatomy of another body region than the image's location category. A caption
// that also names the image's own modality / plane / region is not flagged: MedPix captions often
// compare with a prior study ("compared with the prior MRI").
import type { ModalityType } from "@medcap/db";
import { regionGroup } from "../core/anatomy.regions.js";
import type { SuspicionReason } from "./suspicion.reason.js";

export interface ImageFacts {
  dataset: string | null;
  modality: ModalityType;
  modalityDetail: string | null;
  plane: string | null;
  locationCategory: string | null;
}

/** Finds every match of `re` (global, case-insensitive) in `text`; the matched words, deduplicated. */
function hits(text: string, re: RegExp): string[] {
  return [...new Set([...text.matchAll(re)].map((m) => m[0]))];
}

const MODALITY_WORDS: Partial<Record<ModalityType, RegExp>> = {
  CT: /\b(CTA?|computed tomograph\w*|hounsfield|(hyper|hypo|iso)?attenuat\w*|hyperdens\w*|hypodens\w*|CT[- ]?angiogra\w*)\b/gi,
  MR: /\b(MRI|MRA|MRV|MR|magnetic resonance|(?<!\d[-–]\s?)T[12]W?I?(?![-–]\s?T?\d)|T2\*|FLAIR|DWI|ADC|diffusion[- ]weighted|gadolinium|Gd|STIR|GRE|SWI|SWAN|FIESTA|proton density|signal intensity|(hyper|hypo|iso)intens\w*|fat[- ]?sat\w*|fat[- ]suppress\w*|spin[- ]echo|gradient[- ]echo)\b/gi,
  XR: /\b(radiograph\w*|x-?rays?|plain films?|chest film|KUB)\b/gi,
  US: /\b(ultrasound|sonograph\w*|sonogram|doppler|(hyper|hypo|an)echoic|echogenic\w*)\b/gi,
};

const MODALITY_NAMES: Record<ModalityType, string> = { CT: "CT", MR: "MR", XR: "radiograph", US: "ultrasound", OTHER: "other" };

/** Another modality's words and none of the image's own. */
export function modalityReasons(text: string, image: ImageFacts): SuspicionReason[] {
  const own = MODALITY_WORDS[image.modality];
  if (!own) return [];
  if (hits(text, own).length > 0) return [];
  const out: SuspicionReason[] = [];
  for (const [modality, re] of Object.entries(MODALITY_WORDS) as [ModalityType, RegExp][]) {
    if (modality === image.modality) continue;
    const found = hits(text, re);
    if (found.length === 0) continue;
    out.push({
      code: "MODALITY_MISMATCH",
      detail: `The caption speaks of ${MODALITY_NAMES[modality]} (${found.join(", ")}) but the image is ${image.modalityDetail ?? MODALITY_NAMES[image.modality]}.`,
      strength: Math.min(0.85, 0.55 + 0.12 * found.length),
      words: found,
    });
  }
  return out;
}

const SEQUENCES: [string, RegExp][] = [
  // "T1-T2", "T2-3" are spinal levels, not sequences.
  ["T1", /(?<!\d[-–]\s?)\bT1(W|WI)?\b(?![-–]\s?T?\d)|\bT1[- ]weighted\b/gi],
  ["T2", /(?<!\d[-–]\s?)\bT2(W|WI)?\b(?![-–]\s?T?\d|\*)|\bT2[- ]weighted\b/gi],
  ["FLAIR", /\bFLAIR\b/gi],
  ["DWI", /\bDWI\b|\bdiffusion[- ]weighted\b|\bADC\b|\brestricted diffusion\b/gi],
  ["GRE", /\bGRE\b|\bSWI\b|\bSWAN\b|\bT2\*|\bgradient[- ]echo\b|\bsusceptibility\b|\bblooming\b/gi],
  ["STIR", /\bSTIR\b/gi],
];

function detailSequence(detail: string): string | undefined {
  const d = detail.toUpperCase();
  if (/FLAIR/.test(d)) return "FLAIR";
  if (/DWI|ADC|DIFFUSION/.test(d)) return "DWI";
  if (/GRE|SWI|SWAN|GRADIENT|T2\*/.test(d)) return "GRE";
  if (/STIR/.test(d)) return "STIR";
  if (/T2/.test(d)) return "T2";
  if (/T1/.test(d)) return "T1";
  return undefined;
}

/** MR sequence words that are all of another sequence; contrast words on a non-contrast study. */
export function sequenceReasons(text: string, image: ImageFacts): SuspicionReason[] {
  const detail = image.modalityDetail ?? "";
  const out: SuspicionReason[] = [];
  const seq = image.modality === "MR" ? detailSequence(detail) : undefined;
  if (seq) {
    const named = SEQUENCES.map(([name, re]) => [name, hits(text, re)] as const).filter(([, w]) => w.length > 0);
    if (named.length > 0 && !named.some(([name]) => name === seq)) {
      const found = named.flatMap(([, w]) => w);
      out.push({
        code: "SEQUENCE_MISMATCH",
        detail: `The caption names ${found.join(", ")} but the image is ${detail}.`,
        strength: 0.35,
        words: found,
      });
    }
  }
  if (/non-?contrast/i.test(detail)) {
    const contrast = hits(
      text,
      /\b(post[- ]?contrast|contrast[- ]enhanced|with (iv |intravenous )?contrast|after (the )?(iv |intravenous )?contrast|gadolinium|post[- ]gad\w*)\b/gi,
    );
    if (contrast.length > 0 && !/\b(without|non-?|no|pre-?)\s*(iv |intravenous )?contrast\b/i.test(text)) {
      out.push({
        code: "SEQUENCE_MISMATCH",
        detail: `The caption speaks of contrast (${contrast.join(", ")}) but the image is ${detail}.`,
        strength: 0.3,
        words: contrast,
      });
    }
  }
  return out;
}

const PLANE_WORDS: [string, RegExp][] = [
  ["Axial", /\b(axial|transverse|transaxial)\b/gi],
  ["Coronal", /\bcoronal\b/gi],
  ["Sagittal", /\bsagittal\b/gi],
];

/** Plane words that are all of another plane than the image's (axial, coronal, sagittal only). */
export function planeReasons(text: string, image: ImageFacts): SuspicionReason[] {
  const plane = image.plane === "Transverse" ? "Axial" : image.plane;
  if (!plane || !PLANE_WORDS.some(([p]) => p === plane)) return [];
  const named = PLANE_WORDS.map(([p, re]) => [p, hits(text, re)] as const).filter(([, w]) => w.length > 0);
  if (named.length === 0 || named.some(([p]) => p === plane)) return [];
  const found = named.flatMap(([, w]) => w);
  return [
    {
      code: "PLANE_MISMATCH",
      detail: `The caption says ${found.join(", ")} but the image is ${image.plane}.`,
      strength: 0.4,
      words: found,
    },
  ];
}

/**
 * Anatomy words per region group (MedPix location categories, Abdomen + Reproductive/Urinary merged).
 * Only words that belong to one region: "ventricle", "sinus", "aorta", "cortex" are left out.
 */
export const REGION_WORDS: Record<string, RegExp> = {
  Head: /\b(brain\w*|cerebr\w*|cerebell\w*|intracranial|intra-axial|extra-axial|supratentorial|infratentorial|frontal lobe|temporal lobe|parietal|occipital|pons|pontine|midbrain|brainstem|brain stem|thalam\w*|basal ganglia|caudate|putamen|globus pallidus|hippocamp\w*|corpus callosum|pituitar\w*|sella\w*|suprasellar|orbit\w*|globe|optic nerve|optic chiasm|mastoid\w*|skull|calvari\w*|cranial|craniofacial|dura\w*|meninge\w*|meningioma\w*|glioma\w*|glioblastoma|cavernous sinus|cochlea\w*|nasopharyn\w*|oropharyn\w*|parotid|mandib\w*|maxill\w*|paranasal|sphenoid|ethmoid|gyr(us|i)|sulc(us|i)|white matter|gray matter|grey matter|periventricular|septum pellucidum|cerebrospinal|vein of galen|tentori\w*|clivus)\b/gi,
  Thorax:
    /\b(lungs?|pulmonar\w*|bronch\w*|pleura\w*|mediastin\w*|hear(t|ts)|cardiac|cardio\w*|myocard\w*|pericard\w*|trachea\w*|hilar|hilum|alveol\w*|atri(um|al)|interatrial|left upper lobe|right upper lobe|lower lobe|middle lobe|lingula\w*|LUL|RUL|RLL|LLL|RML|breasts?|thymus|thymoma|pneumothorax|pneumoni\w*|empyema|ascending aorta|aortic arch|pulmonary embol\w*|thorac\w* cavity|chest wall)\b/gi,
  "Abdomen and Pelvis":
    /\b(liver|hepat\w*|gallbladder|biliary|bile duct\w*|cholecyst\w*|pancrea\w*|spleen|splenic|kidneys?|renal|adrenal\w*|bowel|colon\w*|colitis|duoden\w*|jejun\w*|ile(um|al)|ileocecal|stomach|gastric|appendi\w*|mesenter\w*|peritone\w*|retroperitone\w*|omentum|omental|bladder|prostat\w*|uter\w*|ovar\w*|adnex\w*|testic\w*|testis|testes|scrot\w*|ureter\w*|urethr\w*|rect(um|al)|sigmoid colon|vagina\w*|endometri\w*|fallopian|ascites|portal vein|inferior vena cava|IVC|abdomen|abdominal|pelvic organs?|hydronephros\w*|nephr\w*|cecum|cecal|esophagogastric|hernia)\b/gi,
  "Spine and Muscles":
    /\b(vertebra\w*|spinal cord|spinal canal|intervertebral|disc herniation|lumbar|cervical spine|thoracic spine|sacr(um|al)|coccyx|femur|femoral head|femoral neck|tibia\w*|fibula\w*|humer\w*|knees?|shoulders?|hips?|ankles?|wrists?|elbows?|menisc\w*|ligament\w*|tendon\w*|rotator cuff|labr(um|al)|acetabul\w*|patell\w*|scapula\w*|clavic\w*|calcane\w*|ulna\w*|carpal|tarsal|metatars\w*|metacarp\w*|phalan\w*|thigh|calf|forearm|bone marrow|osteo\w*|chondro\w*|synovi\w*|joint effusion|quadriceps|hamstring|gluteal|paraspinal|psoas|cauda equina|conus|thecal sac)\b/gi,
};

/** The region group used for the anatomy lexicon: the dataset's own grouping, else MedPix's. */
function lexiconGroup(image: ImageFacts): string | null {
  const own = regionGroup(image.dataset, image.locationCategory);
  if (own && REGION_WORDS[own]) return own;
  const medpix = regionGroup("medpix-2.0", image.locationCategory);
  return medpix && REGION_WORDS[medpix] ? medpix : null;
}

/** The anatomy words of a caption, per region group (groups with no word left out). */
export function anatomyWords(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [group, re] of Object.entries(REGION_WORDS)) {
    const found = hits(text, re);
    if (found.length) out.set(group, found);
  }
  return out;
}

/** Anatomy words of other regions and none of the image's own region. */
export function anatomyReasons(text: string, image: ImageFacts): SuspicionReason[] {
  const group = lexiconGroup(image);
  if (!group) return [];
  const named = anatomyWords(text);
  if (named.size === 0 || named.has(group)) return [];
  const found = [...named.values()].flat();
  const regions = [...named.keys()];
  return [
    {
      code: "ANATOMY_MISMATCH",
      detail: `The caption names ${regions.join(" / ")} anatomy (${found.slice(0, 6).join(", ")}) but the image is of ${image.locationCategory}.`,
      strength: Math.min(0.85, 0.45 + 0.12 * (found.length - 1)),
      words: found,
    },
  ];
}

/** Every metadata contradiction of one caption against its image. */
export function metadataReasons(text: string, image: ImageFacts): SuspicionReason[] {
  return [...modalityReasons(text, image), ...sequenceReasons(text, image), ...planeReasons(text, image), ...anatomyReasons(text, image)];
}
