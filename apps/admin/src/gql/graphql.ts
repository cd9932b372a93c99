/* eslint-disable */
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
export type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
export type MakeOptional<T, K extends keyof T> = Omit<T, K> & { [SubKey in K]?: Maybe<T[SubKey]> };
export type MakeMaybe<T, K extends keyof T> = Omit<T, K> & { [SubKey in K]: Maybe<T[SubKey]> };
export type MakeEmpty<T extends { [key: string]: unknown }, K extends keyof T> = { [_ in K]?: never };
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /** An ISO-8601 timestamp in UTC, e.g. `2026-01-31T12:00:00.000Z`. */
  DateTime: { input: string; output: string; }
  /** Arbitrary JSON: evaluation metrics, job parameters and results. */
  JSON: { input: unknown; output: unknown; }
  /** A file sent with the GraphQL multipart request spec (send the `Apollo-Require-Preflight: true` header). */
  Upload: { input: File; output: File; }
};

/** A new image of an existing case, with its caption. */
export type AddImageInput = {
  /** ACR codes. */
  acrCodes?: InputMaybe<Scalars['String']['input']>;
  /** The caption of the image. */
  caption: Scalars['String']['input'];
  /** The case to add the image to. */
  caseId: Scalars['ID']['input'];
  /** The dataset's own image id; defaults to the sha256 of the bytes. */
  externalId?: InputMaybe<Scalars['String']['input']>;
  /** Figure part label. */
  figurePart?: InputMaybe<Scalars['String']['input']>;
  /** The image bytes: `upload` or `base64` (an existing `imageId` is refused). */
  image: ImageInput;
  /** Anatomical location. */
  location?: InputMaybe<Scalars['String']['input']>;
  /** Body region category. */
  locationCategory?: InputMaybe<Scalars['String']['input']>;
  /** Imaging modality. */
  modality: Modality;
  /** Free-text modality detail. */
  modalityDetail?: InputMaybe<Scalars['String']['input']>;
  /** Patient age in years. */
  patientAge?: InputMaybe<Scalars['Int']['input']>;
  /** Patient sex. */
  patientSex?: InputMaybe<Scalars['String']['input']>;
  /** Imaging plane. */
  plane?: InputMaybe<Scalars['String']['input']>;
};

/** The share of query images that agree on one attribute, beside the share a random pick would reach. */
export type AgreementFigure = {
  /** Random floor, exact: the expected share for a uniformly random pick (caption-library: a distinct library caption with its first library image; retrieval: another image of the split). All-of-top-5 uses each query's floor to the 5th power, an approximation that ignores drawing without replacement. Null when `n` is 0. */
  floor: Maybe<Scalars['Float']['output']>;
  /** Query images counted: those whose own attribute is known (images without it are left out). */
  n: Scalars['Int']['output'];
  /** Share of the `n` query images that agree, 0..1; null when `n` is 0. */
  value: Maybe<Scalars['Float']['output']>;
};

/**
 * Anatomy agreement (README, "anatomy agreement"): how often what the model retrieved for a query image comes
 * from an image of the same body region, modality and plane, each figure beside its random floor.
 */
export type AnatomyAgreement = {
  /** caption-library only: the images of ALL of the top 5 captions agree with the query image (a query with fewer than 5 captions does not); null for retrieval. */
  allOfTop5: Maybe<AnatomyFigures>;
  /** What is compared with the query image: caption-library, the first provenance image of each ranked caption; retrieval, the nearest other image of the split. */
  basis: Scalars['String']['output'];
  /** The top-1 result's image agrees with the query image. */
  top1: AnatomyFigures;
};

/** One agreement figure per attribute of the query image. */
export type AnatomyFigures = {
  /** Modality of the image (CT, MR, …). */
  modality: AgreementFigure;
  /** Imaging plane of the image (axial, coronal, …). */
  plane: AgreementFigure;
  /** Region with categories that share anatomy merged (MedPix: Abdomen and Reproductive/Urinary System count as one). */
  regionGrouped: AgreementFigure;
  /** Region as the dataset records it (MedPix `Location Category`, the case's topic); null for all-of-top-5, which reports the grouped region only. */
  regionRaw: Maybe<AgreementFigure>;
};

/** An API key. The secret itself is never shown again after creation. */
export type ApiKey = {
  /** When it was created. */
  createdAt: Scalars['DateTime']['output'];
  /** Stable id. */
  id: Scalars['ID']['output'];
  /** Who or what the key is for. */
  label: Scalars['String']['output'];
  /** When it was last used (updated at most once a minute). */
  lastUsedAt: Maybe<Scalars['DateTime']['output']>;
  /** First characters of the secret, to tell keys apart. */
  prefix: Scalars['String']['output'];
  /** Whether the key was revoked. */
  revoked: Scalars['Boolean']['output'];
  /** When it was revoked. */
  revokedAt: Maybe<Scalars['DateTime']['output']>;
  /** What the key may do. */
  role: Role;
};

/**
 * What the served model's attribute heads predict about an image: the most probable label of one
 * attribute, with every label's probability.
 */
export type AttributePrediction = {
  /** Every label of this attribute, most probable first (the top one included). */
  alternatives: Array<LabelProbability>;
  /** `modality` (CT/MR), `region` (location category), `regionGroup` (regions that share anatomy summed, e.g. MedPix Abdomen + Reproductive/Urinary = Abdomen and Pelvis), `plane`, `sequence` (MR sequence / CT contrast). */
  attribute: Scalars['String']['output'];
  /** The most probable label. */
  label: Scalars['String']['output'];
  /** Its probability, 0..1. */
  probability: Scalars['Float']['output'];
};

/** The attribute prior's settings (the served model's cross-validated choice). */
export type AttributePriorSettings = {
  /** Score lost per contradicted attribute; null = demoted below every agreeing candidate. */
  penalty: Maybe<Scalars['Float']['output']>;
  /** A prediction restricts candidates when its probability is at least this. */
  threshold: Scalars['Float']['output'];
};

/**
 * The attribute prior an answer ran under: the query's confident predictions, which candidates had to
 * agree with (candidates none of whose images carries a predicted value are demoted).
 */
export type AttributeRestriction = {
  /** The confident predictions (region group and/or modality) the candidates were held to. */
  constraints: Array<AttributePrediction>;
  /** Score lost per contradicted attribute; null = demoted below every agreeing candidate. */
  penalty: Maybe<Scalars['Float']['output']>;
  /** For people, e.g. `restricted to Head · MR (p = 0.97)`. */
  summary: Scalars['String']['output'];
  /** A prediction counts when its probability is at least this. */
  threshold: Scalars['Float']['output'];
};

/** A caption of an image. `text` is the current revision; every change is kept in `revisions`. */
export type Caption = {
  /** When the caption was created. */
  createdAt: Scalars['DateTime']['output'];
  /** Flags raised on this caption, newest first. */
  flags: Array<Flag>;
  /** Stable id. */
  id: Scalars['ID']['output'];
  /** The captioned image. */
  image: Image;
  /** Whether this caption is the one shown and indexed for its image. */
  isCurrent: Scalars['Boolean']['output'];
  /** Number of the current revision. */
  revision: Scalars['Int']['output'];
  /** Every revision, oldest first. */
  revisions: Array<CaptionRevision>;
  /** Where the current text came from. */
  source: CaptionSource;
  /** Current text. */
  text: Scalars['String']['output'];
  /** When the caption was last changed. */
  updatedAt: Scalars['DateTime']['output'];
};

/** A caption text ranked for a query image. One text can belong to several images. */
export type CaptionMatch = {
  /** The captions that carry this text. */
  captions: Array<Caption>;
  /** The restricted attributes (`regionGroup`, `modality`) that none of this caption's images carries: it was demoted for them. */
  contradicts: Array<Scalars['String']['output']>;
  /** The model version that scored the match. */
  modelVersion: ModelRef;
  /** Image, case and dataset of every caption carrying this text: the supporting images first, then the other images with this text (under an attribute restriction, the images that agree with it first). */
  provenance: Array<Provenance>;
  /** The query image's predicted attributes (the same on every match of one answer); null when the served model has no attribute heads. */
  queryAttributes: Maybe<Array<AttributePrediction>>;
  /** The attribute prior this answer ran under; null when it was off or no prediction was confident. */
  restriction: Maybe<AttributeRestriction>;
  /** The strategy's ranking score, higher is better: the cosine for TEXT, the vote for IMAGES, their blend for FUSED; less the attribute prior's penalty where it applies (a caption the prior demotes below every agreeing one keeps its own score: see `contradicts`). */
  score: Scalars['Float']['output'];
  /** Cosine similarity between the query image and the caption text. */
  similarity: Scalars['Float']['output'];
  /** The strategy that ranked this caption. */
  strategy: CaptionStrategy;
  /** The nearest library images whose caption is this text, nearest first (empty for TEXT). */
  supportingImages: Array<SupportingImage>;
  /** The caption text. */
  text: Scalars['String']['output'];
  /** Share of the neighbour-image vote carried by this text, 0..1 (0 for TEXT, or when no neighbour carries it). */
  vote: Scalars['Float']['output'];
};

/** An immutable record of one version of a caption's text. */
export type CaptionRevision = {
  /** Who wrote it (API key label and id, or `import`). */
  author: Scalars['String']['output'];
  /** Why it was written. */
  comment: Maybe<Scalars['String']['output']>;
  /** When it was written. */
  createdAt: Scalars['DateTime']['output'];
  /** Stable id. */
  id: Scalars['ID']['output'];
  /** Revision number, starting at 1. */
  revision: Scalars['Int']['output'];
  /** Where this text came from. */
  source: CaptionSource;
  /** The text of this revision. */
  text: Scalars['String']['output'];
};

/** Where a caption text came from. */
export type CaptionSource =
  /** Written or corrected by a curator. */
  | 'CURATED'
  /** Produced by a model. */
  | 'GENERATED'
  /** Imported with the dataset. */
  | 'GROUND_TRUTH';

/**
 * How `captionImage` ranks the library's captions for a query image. The default is the strategy that
 * won the served model's cross-validation (its manifest), unless the deployment overrides it.
 */
export type CaptionStrategy =
  /** (1 - weight) × caption cosine + weight × neighbour-image vote. */
  | 'FUSED'
  /** By votes of the nearest library images: each votes for its own caption, weighted by exp((s - s_max) / temperature); ties by cosine. */
  | 'IMAGES'
  /** By the cosine between the query image and each caption text (the model's image→text space). */
  | 'TEXT';

/** The caption audit's suspicion that a caption is wrong. */
export type CaptionSuspicion = {
  /** The suspected caption. */
  caption: Caption;
  /** When the caption was last checked. */
  checkedAt: Scalars['DateTime']['output'];
  /** Who dismissed it and why. */
  dismissNote: Maybe<Scalars['String']['output']>;
  /** Whether someone dismissed it (a dismissed suspicion comes back only when its caption changes). */
  dismissed: Scalars['Boolean']['output'];
  /** The flag raised from it, if any. */
  flag: Maybe<Flag>;
  /** Stable id. */
  id: Scalars['ID']['output'];
  /** Exactly the images that carry the caption. */
  images: Array<Image>;
  /** The model version whose vectors scored it; null when the audit ran without a model. */
  modelVersion: Maybe<ModelVersion>;
  /** Why, strongest first. */
  reasons: Array<SuspicionReason>;
  /** How likely the caption is wrong, 0..1 (the reasons' strengths combined). */
  score: Scalars['Float']['output'];
};

/** A page of suspicions. */
export type CaptionSuspicionConnection = {
  /** The suspicions of this page with their cursors. */
  edges: Array<CaptionSuspicionEdge>;
  /** Where this page ends. */
  pageInfo: PageInfo;
  /** Number of open suspicions matching the filter, over all pages. */
  totalCount: Scalars['Int']['output'];
};

/** One suspicion of a page, with the cursor that resumes after it. */
export type CaptionSuspicionEdge = {
  /** Pass as `after` to continue after this suspicion. */
  cursor: Scalars['String']['output'];
  /** The suspicion. */
  node: CaptionSuspicion;
};

/** Which suspicions to list. */
export type CaptionSuspicionFilter = {
  /** Only captions of this dataset (by name). */
  dataset?: InputMaybe<Scalars['String']['input']>;
  /** Only suspicions scoring at least this (0..1). */
  minScore?: InputMaybe<Scalars['Float']['input']>;
  /** Only suspicions with this reason. */
  reason?: InputMaybe<SuspicionReasonCode>;
  /** Only captions of cases in this split. */
  split?: InputMaybe<Split>;
};

/**
 * The captioning settings `captionImage` uses when a call sets none: the served model's cross-validated
 * choice (its manifest), unless the deployment overrides it (MEDCAP_CAPTION_*).
 */
export type CaptioningDefaults = {
  /** The attribute prior captionImage applies by default; null when the served model has no attribute heads or the deployment turned it off. */
  attributePrior: Maybe<AttributePriorSettings>;
  /** Consensus re-ranking after the strategy, `m:w` or `off`. */
  consensus: Scalars['String']['output'];
  /** How many nearest library images vote (IMAGES, FUSED). */
  neighbours: Scalars['Int']['output'];
  /** The attribute prior similarImages applies by default; null as above. */
  similarImagesPrior: Maybe<AttributePriorSettings>;
  /** How captions are ranked. */
  strategy: CaptionStrategy;
  /** Vote temperature (IMAGES, FUSED). */
  temperature: Scalars['Float']['output'];
  /** Weight of the vote against the caption cosine (FUSED). */
  weight: Scalars['Float']['output'];
};

/** One patient case with its clinical text and topic. */
export type Case = {
  /** ACR code of the topic. */
  acrCode: Maybe<Scalars['String']['output']>;
  /** Final diagnosis. */
  caseDiagnosis: Maybe<Scalars['String']['output']>;
  /** Topic category, e.g. Neoplasm. */
  category: Maybe<Scalars['String']['output']>;
  /** When the case was created. */
  createdAt: Scalars['DateTime']['output'];
  /** The dataset the case belongs to. */
  dataset: Dataset;
  /** How the diagnosis was established. */
  diagnosisBy: Maybe<Scalars['String']['output']>;
  /** Differential diagnosis. */
  differentialDiagnosis: Maybe<Scalars['String']['output']>;
  /** Discussion of the disease. */
  diseaseDiscussion: Maybe<Scalars['String']['output']>;
  /** Examination findings. */
  exam: Maybe<Scalars['String']['output']>;
  /** The dataset's own id of the case, e.g. MedPix `MPX1009`. */
  externalId: Scalars['String']['output'];
  /** Imaging findings. */
  findings: Maybe<Scalars['String']['output']>;
  /** Clinical history. */
  history: Maybe<Scalars['String']['output']>;
  /** Stable id. */
  id: Scalars['ID']['output'];
  /** The case's images. */
  images: Array<Image>;
  /** The split the case belongs to. */
  split: Split;
  /** Case title. */
  title: Maybe<Scalars['String']['output']>;
  /** Title of the case's topic. */
  topicTitle: Maybe<Scalars['String']['output']>;
  /** When the case was last changed. */
  updatedAt: Scalars['DateTime']['output'];
};

/** A page of cases. */
export type CaseConnection = {
  /** The cases of this page with their cursors. */
  edges: Array<CaseEdge>;
  /** Where this page ends. */
  pageInfo: PageInfo;
  /** Number of cases matching the filter, over all pages. */
  totalCount: Scalars['Int']['output'];
};

/** A case in a page, with its cursor. */
export type CaseEdge = {
  /** Opaque cursor of this case. */
  cursor: Scalars['String']['output'];
  /** The case. */
  node: Case;
};

/** Filters of the case list. Fields combine with AND, values within a list with OR. */
export type CaseFilter = {
  /** Dataset names. */
  datasets?: InputMaybe<Array<Scalars['String']['input']>>;
  /** Cases with at least one image in one of these location categories. */
  locationCategories?: InputMaybe<Array<Scalars['String']['input']>>;
  /** Cases with at least one image of one of these modalities. */
  modalities?: InputMaybe<Array<Modality>>;
  /** Cases with at least one image in one of these planes. */
  planes?: InputMaybe<Array<Scalars['String']['input']>>;
  /** Splits. */
  splits?: InputMaybe<Array<Split>>;
  /** Case-insensitive substring of the title or the diagnosis. */
  text?: InputMaybe<Scalars['String']['input']>;
};

/** A new case. */
export type CreateCaseInput = {
  /** ACR code of the topic. */
  acrCode?: InputMaybe<Scalars['String']['input']>;
  /** Final diagnosis. */
  caseDiagnosis?: InputMaybe<Scalars['String']['input']>;
  /** Topic category. */
  category?: InputMaybe<Scalars['String']['input']>;
  /** Dataset name; a dataset of that name is created when missing. */
  dataset: Scalars['String']['input'];
  /** How the diagnosis was established. */
  diagnosisBy?: InputMaybe<Scalars['String']['input']>;
  /** Differential diagnosis. */
  differentialDiagnosis?: InputMaybe<Scalars['String']['input']>;
  /** Discussion of the disease. */
  diseaseDiscussion?: InputMaybe<Scalars['String']['input']>;
  /** Examination findings. */
  exam?: InputMaybe<Scalars['String']['input']>;
  /** The dataset's own id of the case; unique within the dataset. */
  externalId: Scalars['String']['input'];
  /** Imaging findings. */
  findings?: InputMaybe<Scalars['String']['input']>;
  /** Clinical history. */
  history?: InputMaybe<Scalars['String']['input']>;
  /** Split of the case. */
  split: Split;
  /** Case title. */
  title?: InputMaybe<Scalars['String']['input']>;
  /** Title of the topic. */
  topicTitle?: InputMaybe<Scalars['String']['input']>;
};

/** A newly created API key with its secret, shown this once. */
export type CreatedApiKey = {
  /** The key. */
  key: ApiKey;
  /** The secret to send as `Authorization: Bearer <secret>`. Store it now: only its hash is kept. */
  secret: Scalars['String']['output'];
};

/** A source of cases, e.g. MedPix 2.0. */
export type Dataset = {
  /** Number of cases in the dataset. */
  caseCount: Scalars['Int']['output'];
  /** How to cite the data, when known. */
  citation: Maybe<Scalars['String']['output']>;
  /** When the dataset was first imported. */
  createdAt: Scalars['DateTime']['output'];
  /** Stable id. */
  id: Scalars['ID']['output'];
  /** Licence of the data, when known. */
  licence: Maybe<Scalars['String']['output']>;
  /** Unique name, used in filters. */
  name: Scalars['String']['output'];
  /** Where the data comes from. */
  source: Scalars['String']['output'];
  /** The dataset's own version, when known. */
  version: Maybe<Scalars['String']['output']>;
};

/** Evaluation protocols (see the README for their definitions). */
export type EvaluationProtocol =
  /** Captions retrieved from the train split's captions (`caption-library`). */
  | 'CAPTION_LIBRARY'
  /** Image-to-text and text-to-image recall within one split (`retrieval`). */
  | 'RETRIEVAL'
  /** Templated captions from metadata, top-1 (`seed-template`). */
  | 'SEED_TEMPLATE';

/** A stored evaluation of one model version on one split. */
export type EvaluationRun = {
  /** Anatomy agreement of the run (`metrics.anatomy`): retrieval and caption-library runs stored since it was measured; null for seed-template and older runs. */
  anatomy: Maybe<AnatomyAgreement>;
  /** When it finished. */
  finishedAt: Maybe<Scalars['DateTime']['output']>;
  /** Stable id. */
  id: Scalars['ID']['output'];
  /** The job that ran it, if any. */
  job: Maybe<Job>;
  /** Metric values, e.g. recall@k with intervals. */
  metrics: Scalars['JSON']['output'];
  /** The evaluated model version. */
  modelVersion: ModelVersion;
  /** Parameters of the run. */
  params: Scalars['JSON']['output'];
  /** Protocol name, e.g. `caption-library`. */
  protocol: Scalars['String']['output'];
  /** The evaluated split. */
  split: Split;
  /** When it started. */
  startedAt: Scalars['DateTime']['output'];
};

/** What an explanation was computed against. */
export type ExplanationTargetKind =
  /** A library caption (captionId). */
  | 'CAPTION'
  /** A library image (imageId). */
  | 'IMAGE';

/** An annotator's report that a caption is wrong, resolved by a curator. */
export type Flag = {
  /** The flagged caption. */
  caption: Caption;
  /** The corrected caption text written when the flag was accepted. */
  correctedText: Maybe<Scalars['String']['output']>;
  /** When it was raised. */
  createdAt: Scalars['DateTime']['output'];
  /** Stable id. */
  id: Scalars['ID']['output'];
  /** The annotator's note. */
  note: Maybe<Scalars['String']['output']>;
  /** Who raised it. */
  raisedBy: Scalars['String']['output'];
  /** Why it was flagged. */
  reason: FlagReason;
  /** The curator's comment. */
  resolutionComment: Maybe<Scalars['String']['output']>;
  /** When it was resolved. */
  resolvedAt: Maybe<Scalars['DateTime']['output']>;
  /** Who resolved it. */
  resolvedBy: Maybe<Scalars['String']['output']>;
  /** Open, accepted or rejected. */
  status: FlagStatus;
};

/** A page of flags. */
export type FlagConnection = {
  /** The flags of this page with their cursors. */
  edges: Array<FlagEdge>;
  /** Where this page ends. */
  pageInfo: PageInfo;
  /** Number of flags matching the filter, over all pages. */
  totalCount: Scalars['Int']['output'];
};

/** What a curator decides about a flag. */
export type FlagDecision =
  /** The flag is right; with `correctedText` the caption gets a new revision. */
  | 'ACCEPT'
  /** The flag is wrong; the caption stays. */
  | 'REJECT';

/** A flag in a page, with its cursor. */
export type FlagEdge = {
  /** Opaque cursor of this flag. */
  cursor: Scalars['String']['output'];
  /** The flag. */
  node: Flag;
};

/** Why a caption was flagged. */
export type FlagReason =
  /** The text is not a caption. */
  | 'NOT_A_CAPTION'
  /** Anything else; explain in the note. */
  | 'OTHER'
  /** The caption contains protected health information. */
  | 'PHI'
  /** The caption names the wrong anatomy. */
  | 'WRONG_ANATOMY'
  /** The caption states a finding the image does not show. */
  | 'WRONG_FINDING'
  /** The caption names the wrong modality. */
  | 'WRONG_MODALITY';

/** Where a flag is in its life. */
export type FlagStatus =
  /** Accepted; the caption may have been corrected. */
  | 'ACCEPTED'
  /** Waiting for a curator. */
  | 'OPEN'
  /** Rejected; the caption stays as it was. */
  | 'REJECTED';

/** Whether the service and its parts are up. Public: needs no API key. */
export type Health = {
  /** Whether the database answered. */
  database: Scalars['Boolean']['output'];
  /** Whether retrieval (encoders and vector store) is configured and ready. */
  retrieval: Scalars['Boolean']['output'];
  /** `ok` when every part is ready, `degraded` otherwise. */
  status: Scalars['String']['output'];
  /** Seconds since the server started. */
  uptimeSeconds: Scalars['Float']['output'];
};

/**
 * The heat map as a PNG to lay over the query image: same aspect ratio as the image (longer side at
 * most 512 pixels; stretch it over the image's box), transparent where heat is 0 and outside the
 * model's square crop, yellow to red and more opaque as heat rises (at most 65 % opacity).
 */
export type HeatmapOverlay = {
  /** The same PNG as a `data:image/png;base64,…` URL, ready for an <img> src. */
  dataUrl: Scalars['String']['output'];
  /** Overlay height in pixels. */
  height: Scalars['Int']['output'];
  /** The PNG, base64-encoded. */
  pngBase64: Scalars['String']['output'];
  /** Overlay width in pixels. */
  width: Scalars['Int']['output'];
};

/** One stored image file and its per-image metadata. */
export type Image = {
  /** ACR codes of the image. */
  acrCodes: Maybe<Scalars['String']['output']>;
  /** Size of the stored file in bytes. */
  byteSize: Scalars['Int']['output'];
  /** The current caption (the one shown and indexed). */
  caption: Maybe<Caption>;
  /** Every caption of the image, current first. */
  captions: Array<Caption>;
  /** The case the image belongs to. */
  case: Case;
  /** When the image was added. */
  createdAt: Scalars['DateTime']['output'];
  /** The dataset's own image id, e.g. `MPX1009_synpic46283`. */
  externalId: Scalars['String']['output'];
  /** Figure part label within the case. */
  figurePart: Maybe<Scalars['String']['output']>;
  /** File format, e.g. png. */
  format: Scalars['String']['output'];
  /** Height in pixels. */
  height: Scalars['Int']['output'];
  /** Stable id. */
  id: Scalars['ID']['output'];
  /** Anatomical location. */
  location: Maybe<Scalars['String']['output']>;
  /** Body region category, e.g. Brain and Neuro. */
  locationCategory: Maybe<Scalars['String']['output']>;
  /** Imaging modality. */
  modality: Modality;
  /** Free-text modality detail, e.g. `MR - T2 FLAIR`. */
  modalityDetail: Maybe<Scalars['String']['output']>;
  /** Patient age in years, when known. */
  patientAge: Maybe<Scalars['Int']['output']>;
  /** Patient sex, when known. */
  patientSex: Maybe<Scalars['String']['output']>;
  /** Imaging plane, e.g. Axial. */
  plane: Maybe<Scalars['String']['output']>;
  /** sha256 of the stored bytes. */
  sha256: Scalars['String']['output'];
  /** Path of a PNG thumbnail whose longer side is `size` pixels (16..1024). */
  thumbnailUrl: Scalars['String']['output'];
  /** Path (relative to the API origin) that serves the image bytes; send the same Authorization header. */
  url: Scalars['String']['output'];
  /** Width in pixels. */
  width: Scalars['Int']['output'];
};


/** One stored image file and its per-image metadata. */
export type ImageThumbnailUrlArgs = {
  size?: InputMaybe<Scalars['Int']['input']>;
};

/** An image's predicted attributes (classifyImage). */
export type ImageClassification = {
  /** One prediction per attribute head, and the region group. */
  attributes: Array<AttributePrediction>;
  /** The model version whose heads predicted them. */
  modelVersion: ModelRef;
};

/** A query image. Set exactly one field. */
export type ImageInput = {
  /** The file's bytes, base64-encoded. */
  base64?: InputMaybe<Scalars['String']['input']>;
  /** An image already in the catalogue. */
  imageId?: InputMaybe<Scalars['ID']['input']>;
  /** A file in a GraphQL multipart request (PNG, JPEG, WebP, TIFF or DICOM). */
  upload?: InputMaybe<Scalars['Upload']['input']>;
};

/** An image ranked for a query text or image. */
export type ImageMatch = {
  /** similarImages: the restricted attributes this image contradicts (it was demoted for them). */
  contradicts: Array<Scalars['String']['output']>;
  /** The matched image. */
  image: Image;
  /** The model version that scored the match. */
  modelVersion: ModelRef;
  /** Image, case and dataset of the match. */
  provenance: Provenance;
  /** similarImages: the query image's predicted attributes; null for text queries or a model without attribute heads. */
  queryAttributes: Maybe<Array<AttributePrediction>>;
  /** similarImages: the attribute prior this answer ran under; null when off or nothing was confident. */
  restriction: Maybe<AttributeRestriction>;
  /** The ranking score, higher is closer: the cosine, less the attribute prior's penalty for similarImages under a restriction (an image the prior demotes below every agreeing one keeps its cosine: see `contradicts`). */
  score: Scalars['Float']['output'];
  /** Cosine similarity between the query and the image. */
  similarity: Scalars['Float']['output'];
};

/**
 * A rectangle on the query image as displayed (its original pixels, origin top left). Values may be
 * fractional; scale them with the image.
 */
export type ImageRect = {
  /** Height. */
  height: Scalars['Float']['output'];
  /** Width. */
  width: Scalars['Float']['output'];
  /** Left edge. */
  x: Scalars['Float']['output'];
  /** Top edge. */
  y: Scalars['Float']['output'];
};

/** A unit of background work run by the Postgres-backed queue. */
export type Job = {
  /** How many times a worker started it. A job whose worker died is re-queued (its message says so) until MEDCAP_JOB_MAX_ATTEMPTS, then FAILED. */
  attempts: Scalars['Int']['output'];
  /** When it was queued. */
  createdAt: Scalars['DateTime']['output'];
  /** Who queued it. */
  createdBy: Scalars['String']['output'];
  /** Why it failed. */
  error: Maybe<Scalars['String']['output']>;
  /** When it finished. */
  finishedAt: Maybe<Scalars['DateTime']['output']>;
  /** Last sign of life from the worker running it. */
  heartbeatAt: Maybe<Scalars['DateTime']['output']>;
  /** Stable id. */
  id: Scalars['ID']['output'];
  /** What kind of work. */
  kind: JobKind;
  /** Latest progress message. */
  message: Maybe<Scalars['String']['output']>;
  /** The job's parameters. */
  params: Scalars['JSON']['output'];
  /** Fraction done, 0..1. */
  progress: Scalars['Float']['output'];
  /** What the job produced, once it succeeded. */
  result: Maybe<Scalars['JSON']['output']>;
  /** When a worker started it. */
  startedAt: Maybe<Scalars['DateTime']['output']>;
  /** Queued, running, succeeded, failed or cancelled. */
  status: JobStatus;
};

/** Kind of background work. */
export type JobKind =
  /** Audit the catalogue's captions (changed ones only unless forced). */
  | 'CAPTION_AUDIT'
  /** Run an evaluation protocol. */
  | 'EVALUATION'
  /** Import a dataset. */
  | 'IMPORT'
  /** Re-encode and re-index the catalogue. */
  | 'REINDEX';

/** Where a job is in its life. */
export type JobStatus =
  /** Cancelled before it finished. */
  | 'CANCELLED'
  /** Failed; see `error`. */
  | 'FAILED'
  /** Waiting for a worker. */
  | 'QUEUED'
  /** A worker is running it. */
  | 'RUNNING'
  /** Finished successfully; see `result`. */
  | 'SUCCEEDED';

/** One label of an image attribute and its probability. */
export type LabelProbability = {
  /** The label, e.g. MR or Head. */
  label: Scalars['String']['output'];
  /** Its probability, 0..1. */
  probability: Scalars['Float']['output'];
};

/**
 * Why a query image matches a target, as THIS model sees it: occlusion sensitivity of the image and,
 * for a caption target, the weight of each word. It measures what the model's similarity depends on,
 * not clinical relevance: heat on burned-in text or a border is a finding about the model.
 */
export type MatchExplanation = {
  /** True when answered from the explanation cache (same image bytes, target, grid and model version). */
  cached: Scalars['Boolean']['output'];
  /** All grid × grid cells, row-major. */
  cells: Array<OcclusionCell>;
  /** Milliseconds the computation took when it ran (a cached answer reports the original run's time). */
  computeMs: Scalars['Float']['output'];
  /** The square the model sees (centred crop of the shorter-side resize), on the displayed image; the cells tile it. */
  crop: ImageRect;
  /** Cells per side of the occlusion grid; the patch moves one cell at a time (the stride is 224 / grid pixels of the model's view). */
  grid: Scalars['Int']['output'];
  /** Image encodes the explanation took (grid² occluded copies + the original). */
  imageEncodes: Scalars['Int']['output'];
  /** Height of the query image as decoded, in pixels. */
  imageHeight: Scalars['Int']['output'];
  /** Width of the query image as decoded (the displayed image), in pixels. */
  imageWidth: Scalars['Int']['output'];
  /** The model version that was explained. */
  modelVersion: ModelRef;
  /** The heat map as a PNG overlay. */
  overlay: HeatmapOverlay;
  /** Side of the grey patch in cells (1 = the cell itself). */
  patch: Scalars['Int']['output'];
  /** Cosine similarity of the unoccluded query image and the target. */
  similarity: Scalars['Float']['output'];
  /** The caption or image id the query was compared with. */
  targetId: Scalars['ID']['output'];
  /** CAPTION or IMAGE. */
  targetKind: ExplanationTargetKind;
  /** The caption's text (CAPTION targets), else null. */
  targetText: Maybe<Scalars['String']['output']>;
  /** Text encodes it took (the caption + one per scored word; 0 for IMAGE targets). */
  textEncodes: Scalars['Int']['output'];
  /** The cells with the largest positive drop, largest first (at most 5). */
  topCells: Array<OcclusionCell>;
  /** Leave-one-word-out weights of the caption's words in order (CAPTION targets), else null. */
  wordWeights: Maybe<Array<WordWeight>>;
};

/** Imaging modality of an image. */
export type Modality =
  /** Computed tomography. */
  | 'CT'
  /** Magnetic resonance. */
  | 'MR'
  /** Anything else. */
  | 'OTHER'
  /** Ultrasound. */
  | 'US'
  /** Plain radiography. */
  | 'XR';

/** The model version that produced a score. */
export type ModelRef = {
  /** ModelVersion id. */
  id: Scalars['ID']['output'];
  /** Model name. */
  name: Scalars['String']['output'];
  /** Model version. */
  version: Scalars['String']['output'];
};

/** A dual-encoder model known to the service. Vectors of different versions never mix. */
export type ModelVersion = {
  /** Whether this is the active version: the one every server answers searches with, and that `reindex` and `runEvaluation` default to. Exactly one version is active once any model has been loaded. */
  active: Scalars['Boolean']['output'];
  /** When the version was registered. */
  createdAt: Scalars['DateTime']['output'];
  /** Dimension of the shared embedding space. */
  embeddingDim: Scalars['Int']['output'];
  /** Evaluations of this version, newest first. */
  evaluationRuns: Array<EvaluationRun>;
  /** Stable id. */
  id: Scalars['ID']['output'];
  /** sha256 of the model's manifest. */
  manifestSha256: Scalars['String']['output'];
  /** Model name. */
  name: Scalars['String']['output'];
  /** Model version. */
  version: Scalars['String']['output'];
};

/** Changes. Each one writes an audit log row in the same transaction as the change. */
export type Mutation = {
  /**
   * Makes a model version the active one, the one that answers searches (ADMIN). Blue/green: refused with
   * `CONFLICT` while any image or current caption has no vector under it (the message says how many, and to
   * run `reindex(modelVersionId)` or `medcap index --model <folder>` first), or when this server cannot find
   * or load its model folder. Otherwise the server loads it, flips the flag (audited), and answers every later
   * request with it; requests already running finish on the previous version. Other servers on the same
   * database follow within `MEDCAP_MODEL_POLL_MS` (default 5 s).
   */
  activateModelVersion: ModelVersion;
  /** Stores a new image with its caption and indexes it for search (CURATOR). */
  addImage: Image;
  /** Creates an API key and returns its secret once (ADMIN). */
  createApiKey: CreatedApiKey;
  /** Creates a case (CURATOR). */
  createCase: Case;
  /** Dismisses a suspicion (audited); it does not come back until its caption changes. */
  dismissSuspicion: CaptionSuspicion;
  /** Reports a wrong caption (ANNOTATOR). */
  flagCaption: Flag;
  /** Raises a flag on the suspected caption with the suspicion's reasons as its note; it joins the review queue. */
  flagFromSuspicion: Flag;
  /** Queues a re-index of every image and caption under a model version (the active one by default) (CURATOR). Indexing a version that is not active never activates it; a server indexes such a version on a temporary copy of its model folder. */
  reindex: Job;
  /** Accepts (optionally with corrected text, which writes and re-indexes a caption revision) or rejects an open flag (CURATOR). */
  resolveFlag: Flag;
  /** Revokes an API key; requests with it fail from then on (ADMIN). */
  revokeApiKey: ApiKey;
  /** Queues a caption audit job of the catalogue (or part of it) with the active model; it re-checks only what changed unless `force`. */
  runCaptionAudit: Job;
  /** Queues an evaluation run (CURATOR). */
  runEvaluation: Job;
  /**
   * Writes a new caption revision and re-indexes the caption (CURATOR). Concurrent edits are applied one
   * after another; pass `expectedRevision` to be refused with `CONFLICT` instead when someone else
   * changed the caption since you read it.
   */
  updateCaption: Caption;
  /** Changes a case's fields (CURATOR). */
  updateCase: Case;
};


/** Changes. Each one writes an audit log row in the same transaction as the change. */
export type MutationActivateModelVersionArgs = {
  id: Scalars['ID']['input'];
};


/** Changes. Each one writes an audit log row in the same transaction as the change. */
export type MutationAddImageArgs = {
  input: AddImageInput;
};


/** Changes. Each one writes an audit log row in the same transaction as the change. */
export type MutationCreateApiKeyArgs = {
  label: Scalars['String']['input'];
  role: Role;
};


/** Changes. Each one writes an audit log row in the same transaction as the change. */
export type MutationCreateCaseArgs = {
  input: CreateCaseInput;
};


/** Changes. Each one writes an audit log row in the same transaction as the change. */
export type MutationDismissSuspicionArgs = {
  id: Scalars['ID']['input'];
  note?: InputMaybe<Scalars['String']['input']>;
};


/** Changes. Each one writes an audit log row in the same transaction as the change. */
export type MutationFlagCaptionArgs = {
  captionId: Scalars['ID']['input'];
  note?: InputMaybe<Scalars['String']['input']>;
  reason: FlagReason;
};


/** Changes. Each one writes an audit log row in the same transaction as the change. */
export type MutationFlagFromSuspicionArgs = {
  id: Scalars['ID']['input'];
};


/** Changes. Each one writes an audit log row in the same transaction as the change. */
export type MutationReindexArgs = {
  modelVersionId?: InputMaybe<Scalars['ID']['input']>;
};


/** Changes. Each one writes an audit log row in the same transaction as the change. */
export type MutationResolveFlagArgs = {
  comment?: InputMaybe<Scalars['String']['input']>;
  correctedText?: InputMaybe<Scalars['String']['input']>;
  decision: FlagDecision;
  id: Scalars['ID']['input'];
};


/** Changes. Each one writes an audit log row in the same transaction as the change. */
export type MutationRevokeApiKeyArgs = {
  id: Scalars['ID']['input'];
};


/** Changes. Each one writes an audit log row in the same transaction as the change. */
export type MutationRunCaptionAuditArgs = {
  dataset?: InputMaybe<Scalars['String']['input']>;
  force?: InputMaybe<Scalars['Boolean']['input']>;
  split?: InputMaybe<Split>;
};


/** Changes. Each one writes an audit log row in the same transaction as the change. */
export type MutationRunEvaluationArgs = {
  consensus?: InputMaybe<Scalars['String']['input']>;
  modelVersionId?: InputMaybe<Scalars['ID']['input']>;
  neighbours?: InputMaybe<Scalars['Int']['input']>;
  protocol: EvaluationProtocol;
  split: Split;
  strategy?: InputMaybe<CaptionStrategy>;
  temperature?: InputMaybe<Scalars['Float']['input']>;
  weight?: InputMaybe<Scalars['Float']['input']>;
};


/** Changes. Each one writes an audit log row in the same transaction as the change. */
export type MutationUpdateCaptionArgs = {
  comment?: InputMaybe<Scalars['String']['input']>;
  expectedRevision?: InputMaybe<Scalars['Int']['input']>;
  id: Scalars['ID']['input'];
  text: Scalars['String']['input'];
};


/** Changes. Each one writes an audit log row in the same transaction as the change. */
export type MutationUpdateCaseArgs = {
  id: Scalars['ID']['input'];
  input: UpdateCaseInput;
};

/** One cell of the occlusion grid: what greying it out did to the match. */
export type OcclusionCell = {
  /** Column, 0 at the left of the model's square crop. */
  col: Scalars['Int']['output'];
  /** cos(query, target) − cos(query with this cell greyed out, target). Positive: the match leans on this region; negative: the region works against it. */
  drop: Scalars['Float']['output'];
  /** drop divided by the largest drop of the grid, clipped at 0: 0..1 (0 everywhere when no cell lowers the similarity). */
  heat: Scalars['Float']['output'];
  /** The cell on the displayed image. */
  rect: ImageRect;
  /** Row, 0 at the top of the model's square crop. */
  row: Scalars['Int']['output'];
};

/** Where a page of a cursor connection ends. */
export type PageInfo = {
  /** The cursor of the last edge of this page; pass it as `after` to get the next page. */
  endCursor: Maybe<Scalars['String']['output']>;
  /** Whether another page follows this one. */
  hasNextPage: Scalars['Boolean']['output'];
};

/** Where a matched item comes from: its image, case and dataset. */
export type Provenance = {
  /** The image's case. */
  case: Case;
  /** The case's dataset. */
  dataset: Dataset;
  /** The image. */
  image: Image;
};

/** Read operations. Every field needs an API key with at least the VIEWER role, except `health`. */
export type Query = {
  /** Every API key (ADMIN). */
  apiKeys: Array<ApiKey>;
  /** One caption by id, with its revisions; null when it does not exist. */
  caption: Maybe<Caption>;
  /** The nearest captions for an image (retrieval captioning). */
  captionImage: Array<CaptionMatch>;
  /** Open (not dismissed) caption suspicions, most suspicious first. Annotators and up. */
  captionSuspicions: CaptionSuspicionConnection;
  /** The served model's captioning defaults; null while no retrieval core is loaded. */
  captioningDefaults: Maybe<CaptioningDefaults>;
  /** One case by id; null when it does not exist. */
  case: Maybe<Case>;
  /** Cases matching a filter, in a stable order, as a cursor connection. */
  cases: CaseConnection;
  /** The query image's predicted modality, region, plane and MR sequence / CT contrast (models with attribute heads; CONFLICT otherwise). */
  classifyImage: ImageClassification;
  /** Every dataset, by name. */
  datasets: Array<Dataset>;
  /** Stored evaluations, newest first. */
  evaluationRuns: Array<EvaluationRun>;
  /**
   * Why a query image matches a library caption or image: a grey patch is slid over the model's view of
   * the image on a grid × grid grid and every occluded copy is re-encoded (grid² + 1 image encodes, run
   * in batch-sized windows through the shared encoder queue), and for a caption each word is left out
   * once. Set exactly one of captionId and imageId. Counts ceil(grid² / 16) against the per-request
   * encode limit, and at most one explanation may run per request. VIEWER and up.
   */
  explainMatch: MatchExplanation;
  /** Flags, newest first, optionally of one status. */
  flags: FlagConnection;
  /** Liveness and readiness of the service parts; needs no API key. */
  health: Health;
  /** One image by id; null when it does not exist. */
  image: Maybe<Image>;
  /** One background job by id; null when it does not exist. */
  job: Maybe<Job>;
  /** The API key making this request. */
  me: ApiKey;
  /** Every known model version, newest first. */
  modelVersions: Array<ModelVersion>;
  /** The nearest images for a clinical text. */
  searchImages: Array<ImageMatch>;
  /** Visually similar images. */
  similarImages: Array<ImageMatch>;
};


/** Read operations. Every field needs an API key with at least the VIEWER role, except `health`. */
export type QueryCaptionArgs = {
  id: Scalars['ID']['input'];
};


/** Read operations. Every field needs an API key with at least the VIEWER role, except `health`. */
export type QueryCaptionImageArgs = {
  attributePrior?: InputMaybe<Scalars['Boolean']['input']>;
  consensus?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<SearchFilter>;
  image: ImageInput;
  k?: InputMaybe<Scalars['Int']['input']>;
  neighbours?: InputMaybe<Scalars['Int']['input']>;
  strategy?: InputMaybe<CaptionStrategy>;
  temperature?: InputMaybe<Scalars['Float']['input']>;
  weight?: InputMaybe<Scalars['Float']['input']>;
};


/** Read operations. Every field needs an API key with at least the VIEWER role, except `health`. */
export type QueryCaptionSuspicionsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<CaptionSuspicionFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


/** Read operations. Every field needs an API key with at least the VIEWER role, except `health`. */
export type QueryCaseArgs = {
  id: Scalars['ID']['input'];
};


/** Read operations. Every field needs an API key with at least the VIEWER role, except `health`. */
export type QueryCasesArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<CaseFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


/** Read operations. Every field needs an API key with at least the VIEWER role, except `health`. */
export type QueryClassifyImageArgs = {
  image: ImageInput;
};


/** Read operations. Every field needs an API key with at least the VIEWER role, except `health`. */
export type QueryEvaluationRunsArgs = {
  modelVersionId?: InputMaybe<Scalars['ID']['input']>;
  protocol?: InputMaybe<EvaluationProtocol>;
  split?: InputMaybe<Split>;
};


/** Read operations. Every field needs an API key with at least the VIEWER role, except `health`. */
export type QueryExplainMatchArgs = {
  captionId?: InputMaybe<Scalars['ID']['input']>;
  grid?: InputMaybe<Scalars['Int']['input']>;
  image: ImageInput;
  imageId?: InputMaybe<Scalars['ID']['input']>;
  patch?: InputMaybe<Scalars['Int']['input']>;
};


/** Read operations. Every field needs an API key with at least the VIEWER role, except `health`. */
export type QueryFlagsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  status?: InputMaybe<FlagStatus>;
};


/** Read operations. Every field needs an API key with at least the VIEWER role, except `health`. */
export type QueryImageArgs = {
  id: Scalars['ID']['input'];
};


/** Read operations. Every field needs an API key with at least the VIEWER role, except `health`. */
export type QueryJobArgs = {
  id: Scalars['ID']['input'];
};


/** Read operations. Every field needs an API key with at least the VIEWER role, except `health`. */
export type QuerySearchImagesArgs = {
  filter?: InputMaybe<SearchFilter>;
  k?: InputMaybe<Scalars['Int']['input']>;
  text: Scalars['String']['input'];
};


/** Read operations. Every field needs an API key with at least the VIEWER role, except `health`. */
export type QuerySimilarImagesArgs = {
  attributePrior?: InputMaybe<Scalars['Boolean']['input']>;
  excludeSameCase?: InputMaybe<Scalars['Boolean']['input']>;
  filter?: InputMaybe<SearchFilter>;
  image: ImageInput;
  k?: InputMaybe<Scalars['Int']['input']>;
};

/** What an API key may do. Each role may do everything the roles before it may. */
export type Role =
  /** Also manage API keys and model versions. */
  | 'ADMIN'
  /** Also flag captions. */
  | 'ANNOTATOR'
  /** Also edit cases and captions, resolve flags, import, re-index and run evaluations. */
  | 'CURATOR'
  /** Read and search. */
  | 'VIEWER';

/** Metadata filters of a search. Fields combine with AND, values within a list with OR. */
export type SearchFilter = {
  /** Only these cases. */
  caseIds?: InputMaybe<Array<Scalars['ID']['input']>>;
  /** Dataset names. */
  datasets?: InputMaybe<Array<Scalars['String']['input']>>;
  /** Never these cases. */
  excludeCaseIds?: InputMaybe<Array<Scalars['ID']['input']>>;
  /** Location categories, e.g. Brain and Neuro. */
  locationCategories?: InputMaybe<Array<Scalars['String']['input']>>;
  /** Modalities. */
  modalities?: InputMaybe<Array<Modality>>;
  /** Imaging planes, e.g. Axial. */
  planes?: InputMaybe<Array<Scalars['String']['input']>>;
  /** Splits. */
  splits?: InputMaybe<Array<Split>>;
};

/** Which part of a dataset a case belongs to. Splits are per case, never per image. */
export type Split =
  /** Development split, used for tuning. */
  | 'DEV'
  /** Held-out test split. */
  | 'TEST'
  /** Training split: the case library that captions are retrieved from. */
  | 'TRAIN';

/** A library image near the query that voted for a caption: part of the reason the caption was chosen. */
export type SupportingImage = {
  /** The image. */
  image: Image;
  /** Image, case and dataset of the supporting image. */
  provenance: Provenance;
  /** Cosine similarity between the query image and this image. */
  similarity: Scalars['Float']['output'];
  /** This image's share of the whole neighbour vote, 0..1. */
  weight: Scalars['Float']['output'];
};

/** One reason for a suspicion. */
export type SuspicionReason = {
  /** What kind of problem. */
  code: SuspicionReasonCode;
  /** A sentence for people: what is wrong and with what. */
  detail: Scalars['String']['output'];
  /** How much this reason alone makes the caption likely wrong, 0..1. */
  strength: Scalars['Float']['output'];
  /** The words of the caption that contradict the image (for highlighting); empty when none. */
  words: Array<Scalars['String']['output']>;
};

/** Why the caption audit suspects a caption (issue #25). */
export type SuspicionReasonCode =
  /** Names anatomy of another body region than the image's location category. */
  | 'ANATOMY_MISMATCH'
  /** The same text captions images of different cases. */
  | 'DUPLICATE_ACROSS_CASES'
  /** The same text captions images of different body regions. */
  | 'DUPLICATE_ACROSS_REGIONS'
  /** Encoding debris or mostly symbols. */
  | 'ENCODING_GARBAGE'
  /** A bare figure number (“Figure 3”, “CT image 4”). */
  | 'FIGURE_NUMBER'
  /** Names another modality than the image's (e.g. “T2”, “FLAIR” on a CT). */
  | 'MODALITY_MISMATCH'
  /** The model matches the image better with other cases' captions, and the caption with other cases' images, than with each other. */
  | 'MODEL_DISAGREES'
  /** Only names the kind of picture (“CT Image”, “Axial FLAIR”), no finding or anatomy. */
  | 'NO_CLINICAL_CONTENT'
  /** A template leftover or placeholder (“Replace this - DESCRIPTION OF THE IMAGE OR FINDINGS.”, “TBD”, “see above”, lorem ipsum). */
  | 'PLACEHOLDER'
  /** Names another plane than the image's. */
  | 'PLANE_MISMATCH'
  /** The model's attribute heads see another modality or region than the caption names. */
  | 'PREDICTED_ATTRIBUTE_MISMATCH'
  /** Names another MR sequence, or contrast on a non-contrast study. */
  | 'SEQUENCE_MISMATCH'
  /** Too short to describe the image. */
  | 'TOO_SHORT';

/** Changes to a case; omitted fields stay as they are, null clears a text field. */
export type UpdateCaseInput = {
  /** ACR code of the topic. */
  acrCode?: InputMaybe<Scalars['String']['input']>;
  /** Final diagnosis. */
  caseDiagnosis?: InputMaybe<Scalars['String']['input']>;
  /** Topic category. */
  category?: InputMaybe<Scalars['String']['input']>;
  /** How the diagnosis was established. */
  diagnosisBy?: InputMaybe<Scalars['String']['input']>;
  /** Differential diagnosis. */
  differentialDiagnosis?: InputMaybe<Scalars['String']['input']>;
  /** Discussion of the disease. */
  diseaseDiscussion?: InputMaybe<Scalars['String']['input']>;
  /** Examination findings. */
  exam?: InputMaybe<Scalars['String']['input']>;
  /** Imaging findings. */
  findings?: InputMaybe<Scalars['String']['input']>;
  /** Clinical history. */
  history?: InputMaybe<Scalars['String']['input']>;
  /** New split. */
  split?: InputMaybe<Split>;
  /** Case title. */
  title?: InputMaybe<Scalars['String']['input']>;
  /** Title of the topic. */
  topicTitle?: InputMaybe<Scalars['String']['input']>;
};

/**
 * How much one word of the caption carries the match: the caption is re-encoded without the word
 * (leave-one-word-out) and compared with the query image again. Words are the caption's
 * whitespace-separated words as written, punctuation attached.
 */
export type WordWeight = {
  /** cos(image, caption) − cos(image, caption without the word); null for words past the first 64, which are not scored. */
  drop: Maybe<Scalars['Float']['output']>;
  /** Character offset of the word in the caption text. */
  start: Scalars['Int']['output'];
  /** drop divided by the largest |drop| of the caption, −1..1: 1 = the word the match leans on most, negative = the match is closer without it; null when not scored. */
  weight: Maybe<Scalars['Float']['output']>;
  /** The word as written in the caption. */
  word: Scalars['String']['output'];
};

export type CaptionSuspicionsQueryVariables = Exact<{
  first?: InputMaybe<Scalars['Int']['input']>;
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<CaptionSuspicionFilter>;
}>;


export type CaptionSuspicionsQuery = { captionSuspicions: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ cursor: string, node: { id: string, score: number, checkedAt: string, reasons: Array<{ code: SuspicionReasonCode, detail: string, strength: number, words: Array<string> }>, caption: { id: string, text: string, revision: number }, images: Array<{ modalityDetail: string | null, location: string | null, id: string, modality: Modality, plane: string | null, locationCategory: string | null, case: { id: string, externalId: string, title: string | null } }> } }> } };

export type SuspicionCountQueryVariables = Exact<{ [key: string]: never; }>;


export type SuspicionCountQuery = { captionSuspicions: { totalCount: number } };

export type DismissSuspicionMutationVariables = Exact<{
  id: Scalars['ID']['input'];
  note?: InputMaybe<Scalars['String']['input']>;
}>;


export type DismissSuspicionMutation = { dismissSuspicion: { id: string, dismissed: boolean } };

export type FlagFromSuspicionMutationVariables = Exact<{
  id: Scalars['ID']['input'];
}>;


export type FlagFromSuspicionMutation = { flagFromSuspicion: { id: string, reason: FlagReason } };

export type CaseRefFragment = { id: string, externalId: string, title: string | null };

export type ImageFacetsFragment = { id: string, modality: Modality, plane: string | null, locationCategory: string | null };

export type CaseFacetsQueryVariables = Exact<{ [key: string]: never; }>;


export type CaseFacetsQuery = { datasets: Array<{ id: string, name: string }> };

export type CasesQueryVariables = Exact<{
  filter?: InputMaybe<CaseFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
  after?: InputMaybe<Scalars['String']['input']>;
}>;


export type CasesQuery = { cases: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ cursor: string, node: { split: Split, caseDiagnosis: string | null, category: string | null, id: string, externalId: string, title: string | null, dataset: { name: string }, images: Array<{ thumbnailUrl: string, id: string, modality: Modality, plane: string | null, locationCategory: string | null }> } }> } };

export type CaseQueryVariables = Exact<{
  id: Scalars['ID']['input'];
}>;


export type CaseQuery = { case: { split: Split, history: string | null, exam: string | null, findings: string | null, differentialDiagnosis: string | null, caseDiagnosis: string | null, diagnosisBy: string | null, topicTitle: string | null, diseaseDiscussion: string | null, acrCode: string | null, category: string | null, createdAt: string, updatedAt: string, id: string, externalId: string, title: string | null, dataset: { id: string, name: string, source: string, licence: string | null, citation: string | null }, images: Array<{ externalId: string, width: number, height: number, format: string, modalityDetail: string | null, location: string | null, patientAge: number | null, patientSex: string | null, acrCodes: string | null, figurePart: string | null, id: string, modality: Modality, plane: string | null, locationCategory: string | null, caption: { id: string, text: string, source: CaptionSource, revision: number, updatedAt: string, revisions: Array<{ id: string, revision: number, text: string, source: CaptionSource, author: string, comment: string | null, createdAt: string }>, flags: Array<{ id: string, reason: FlagReason, note: string | null, status: FlagStatus, raisedBy: string, resolvedBy: string | null, resolutionComment: string | null, correctedText: string | null, createdAt: string, resolvedAt: string | null }> } | null }> } | null };

export type FlagFieldsFragment = { id: string, reason: FlagReason, note: string | null, status: FlagStatus, raisedBy: string, resolvedBy: string | null, resolutionComment: string | null, correctedText: string | null, createdAt: string, resolvedAt: string | null };

export type FlagQueueQueryVariables = Exact<{
  status?: InputMaybe<FlagStatus>;
  first?: InputMaybe<Scalars['Int']['input']>;
  after?: InputMaybe<Scalars['String']['input']>;
}>;


export type FlagQueueQuery = { flags: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ cursor: string, node: { id: string, reason: FlagReason, note: string | null, status: FlagStatus, raisedBy: string, resolvedBy: string | null, resolutionComment: string | null, correctedText: string | null, createdAt: string, resolvedAt: string | null, caption: { id: string, text: string, source: CaptionSource, revision: number, image: { width: number, height: number, modalityDetail: string | null, location: string | null, id: string, modality: Modality, plane: string | null, locationCategory: string | null, case: { caseDiagnosis: string | null, id: string, externalId: string, title: string | null } } } } }> } };

export type FlagCaptionMutationVariables = Exact<{
  captionId: Scalars['ID']['input'];
  reason: FlagReason;
  note?: InputMaybe<Scalars['String']['input']>;
}>;


export type FlagCaptionMutation = { flagCaption: { id: string, status: FlagStatus } };

export type ResolveFlagMutationVariables = Exact<{
  id: Scalars['ID']['input'];
  decision: FlagDecision;
  correctedText?: InputMaybe<Scalars['String']['input']>;
  comment?: InputMaybe<Scalars['String']['input']>;
}>;


export type ResolveFlagMutation = { resolveFlag: { id: string, status: FlagStatus, correctedText: string | null, caption: { id: string, text: string, revision: number } } };

export type UpdateCaptionMutationVariables = Exact<{
  id: Scalars['ID']['input'];
  text: Scalars['String']['input'];
  comment?: InputMaybe<Scalars['String']['input']>;
}>;


export type UpdateCaptionMutation = { updateCaption: { id: string, text: string, revision: number } };

export type AddImageMutationVariables = Exact<{
  input: AddImageInput;
}>;


export type AddImageMutation = { addImage: { id: string } };

export type DashboardQueryVariables = Exact<{ [key: string]: never; }>;


export type DashboardQuery = { health: { status: string, database: boolean, retrieval: boolean, uptimeSeconds: number }, datasets: Array<{ id: string, name: string, source: string, caseCount: number }>, all: { totalCount: number }, train: { totalCount: number }, dev: { totalCount: number }, test: { totalCount: number }, ct: { totalCount: number }, mr: { totalCount: number }, xr: { totalCount: number }, us: { totalCount: number }, otherModality: { totalCount: number }, openFlags: { totalCount: number, edges: Array<{ node: { id: string, reason: FlagReason, raisedBy: string, createdAt: string, caption: { id: string, text: string, image: { id: string, case: { id: string, externalId: string } } } } }> }, modelVersions: Array<{ embeddingDim: number, active: boolean, createdAt: string, id: string, name: string, version: string }>, evaluationRuns: Array<{ id: string, protocol: string, split: Split, metrics: unknown, startedAt: string, finishedAt: string | null, modelVersion: { id: string, name: string, version: string } }> };

export type OpenFlagCountQueryVariables = Exact<{ [key: string]: never; }>;


export type OpenFlagCountQuery = { flags: { totalCount: number } };

export type AgreementFigureFieldsFragment = { value: number | null, floor: number | null, n: number };

export type EvaluationsQueryVariables = Exact<{ [key: string]: never; }>;


export type EvaluationsQuery = { modelVersions: Array<{ active: boolean, id: string, name: string, version: string }>, evaluationRuns: Array<{ id: string, protocol: string, split: Split, params: unknown, metrics: unknown, startedAt: string, finishedAt: string | null, anatomy: { basis: string, top1: { regionRaw: { value: number | null, floor: number | null, n: number } | null, regionGrouped: { value: number | null, floor: number | null, n: number }, modality: { value: number | null, floor: number | null, n: number }, plane: { value: number | null, floor: number | null, n: number } }, allOfTop5: { regionGrouped: { value: number | null, floor: number | null, n: number }, modality: { value: number | null, floor: number | null, n: number }, plane: { value: number | null, floor: number | null, n: number } } | null } | null, modelVersion: { id: string, name: string, version: string }, job: { id: string, status: JobStatus } | null }> };

export type RunEvaluationMutationVariables = Exact<{
  protocol: EvaluationProtocol;
  split: Split;
  modelVersionId?: InputMaybe<Scalars['ID']['input']>;
}>;


export type RunEvaluationMutation = { runEvaluation: { id: string, kind: JobKind, status: JobStatus, progress: number } };

export type ExplainMatchQueryVariables = Exact<{
  image: ImageInput;
  captionId?: InputMaybe<Scalars['ID']['input']>;
  imageId?: InputMaybe<Scalars['ID']['input']>;
  grid?: InputMaybe<Scalars['Int']['input']>;
}>;


export type ExplainMatchQuery = { explainMatch: { grid: number, targetKind: ExplanationTargetKind, targetId: string, targetText: string | null, similarity: number, imageWidth: number, imageHeight: number, cached: boolean, computeMs: number, imageEncodes: number, textEncodes: number, topCells: Array<{ row: number, col: number, drop: number, heat: number }>, overlay: { width: number, height: number, dataUrl: string }, wordWeights: Array<{ word: string, start: number, drop: number | null, weight: number | null }> | null, modelVersion: { id: string, name: string, version: string } } };

export type JobStartedFragment = { id: string, kind: JobKind, status: JobStatus, progress: number };

export type JobQueryVariables = Exact<{
  id: Scalars['ID']['input'];
}>;


export type JobQuery = { job: { id: string, kind: JobKind, status: JobStatus, progress: number, message: string | null, error: string | null, result: unknown | null, createdBy: string, createdAt: string, startedAt: string | null, finishedAt: string | null } | null };

export type ApiKeysQueryVariables = Exact<{ [key: string]: never; }>;


export type ApiKeysQuery = { apiKeys: Array<{ id: string, label: string, role: Role, prefix: string, revoked: boolean, createdAt: string, revokedAt: string | null, lastUsedAt: string | null }> };

export type CreateApiKeyMutationVariables = Exact<{
  label: Scalars['String']['input'];
  role: Role;
}>;


export type CreateApiKeyMutation = { createApiKey: { secret: string, key: { id: string, label: string, role: Role, prefix: string } } };

export type RevokeApiKeyMutationVariables = Exact<{
  id: Scalars['ID']['input'];
}>;


export type RevokeApiKeyMutation = { revokeApiKey: { id: string, revoked: boolean } };

export type ModelVersionRefFragment = { id: string, name: string, version: string };

export type ModelsQueryVariables = Exact<{ [key: string]: never; }>;


export type ModelsQuery = { modelVersions: Array<{ id: string, name: string, version: string, embeddingDim: number, manifestSha256: string, active: boolean, createdAt: string, evaluationRuns: Array<{ id: string, protocol: string, split: Split, metrics: unknown, finishedAt: string | null }> }> };

export type ActivateModelVersionMutationVariables = Exact<{
  id: Scalars['ID']['input'];
}>;


export type ActivateModelVersionMutation = { activateModelVersion: { id: string, active: boolean } };

export type ReindexMutationVariables = Exact<{
  modelVersionId?: InputMaybe<Scalars['ID']['input']>;
}>;


export type ReindexMutation = { reindex: { id: string, kind: JobKind, status: JobStatus, progress: number } };

export type ModelRefFieldsFragment = { id: string, name: string, version: string };

export type AttributeFieldsFragment = { attribute: string, label: string, probability: number, alternatives: Array<{ label: string, probability: number }> };

export type ImageMatchFieldsFragment = { score: number, similarity: number, contradicts: Array<string>, queryAttributes: Array<{ attribute: string, label: string, probability: number, alternatives: Array<{ label: string, probability: number }> }> | null, restriction: { summary: string } | null, modelVersion: { id: string, name: string, version: string }, image: { id: string, modality: Modality, plane: string | null, locationCategory: string | null, caption: { id: string, text: string } | null }, provenance: { case: { id: string, externalId: string, title: string | null }, dataset: { name: string } } };

export type CaptionImageQueryVariables = Exact<{
  image: ImageInput;
  k?: InputMaybe<Scalars['Int']['input']>;
  filter?: InputMaybe<SearchFilter>;
  strategy?: InputMaybe<CaptionStrategy>;
}>;


export type CaptionImageQuery = { captionImage: Array<{ text: string, score: number, similarity: number, vote: number, strategy: CaptionStrategy, contradicts: Array<string>, queryAttributes: Array<{ attribute: string, label: string, probability: number, alternatives: Array<{ label: string, probability: number }> }> | null, restriction: { summary: string } | null, supportingImages: Array<{ similarity: number, weight: number, image: { id: string } }>, modelVersion: { id: string, name: string, version: string }, captions: Array<{ id: string }>, provenance: Array<{ image: { id: string, modality: Modality, plane: string | null, locationCategory: string | null }, case: { id: string, externalId: string, title: string | null }, dataset: { name: string } }> }> };

export type SearchImagesQueryVariables = Exact<{
  text: Scalars['String']['input'];
  k?: InputMaybe<Scalars['Int']['input']>;
  filter?: InputMaybe<SearchFilter>;
}>;


export type SearchImagesQuery = { searchImages: Array<{ score: number, similarity: number, contradicts: Array<string>, queryAttributes: Array<{ attribute: string, label: string, probability: number, alternatives: Array<{ label: string, probability: number }> }> | null, restriction: { summary: string } | null, modelVersion: { id: string, name: string, version: string }, image: { id: string, modality: Modality, plane: string | null, locationCategory: string | null, caption: { id: string, text: string } | null }, provenance: { case: { id: string, externalId: string, title: string | null }, dataset: { name: string } } }> };

export type SimilarImagesQueryVariables = Exact<{
  image: ImageInput;
  k?: InputMaybe<Scalars['Int']['input']>;
  filter?: InputMaybe<SearchFilter>;
  excludeSameCase?: InputMaybe<Scalars['Boolean']['input']>;
}>;


export type SimilarImagesQuery = { similarImages: Array<{ score: number, similarity: number, contradicts: Array<string>, queryAttributes: Array<{ attribute: string, label: string, probability: number, alternatives: Array<{ label: string, probability: number }> }> | null, restriction: { summary: string } | null, modelVersion: { id: string, name: string, version: string }, image: { id: string, modality: Modality, plane: string | null, locationCategory: string | null, caption: { id: string, text: string } | null }, provenance: { case: { id: string, externalId: string, title: string | null }, dataset: { name: string } } }> };

export type CaptioningDefaultsQueryVariables = Exact<{ [key: string]: never; }>;


export type CaptioningDefaultsQuery = { captioningDefaults: { strategy: CaptionStrategy, neighbours: number, temperature: number, weight: number, consensus: string } | null };

export type ClassifyImageQueryVariables = Exact<{
  image: ImageInput;
}>;


export type ClassifyImageQuery = { classifyImage: { attributes: Array<{ attribute: string, label: string, probability: number, alternatives: Array<{ label: string, probability: number }> }>, modelVersion: { id: string, name: string, version: string } } };

export type MeQueryVariables = Exact<{ [key: string]: never; }>;


export type MeQuery = { me: { id: string, label: string, role: Role, prefix: string } };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}
export const FlagFieldsFragmentDoc = new TypedDocumentString(`
    fragment FlagFields on Flag {
  id
  reason
  note
  status
  raisedBy
  resolvedBy
  resolutionComment
  correctedText
  createdAt
  resolvedAt
}
    `, {"fragmentName":"FlagFields"}) as unknown as TypedDocumentString<FlagFieldsFragment, unknown>;
export const AgreementFigureFieldsFragmentDoc = new TypedDocumentString(`
    fragment AgreementFigureFields on AgreementFigure {
  value
  floor
  n
}
    `, {"fragmentName":"AgreementFigureFields"}) as unknown as TypedDocumentString<AgreementFigureFieldsFragment, unknown>;
export const JobStartedFragmentDoc = new TypedDocumentString(`
    fragment JobStarted on Job {
  id
  kind
  status
  progress
}
    `, {"fragmentName":"JobStarted"}) as unknown as TypedDocumentString<JobStartedFragment, unknown>;
export const ModelVersionRefFragmentDoc = new TypedDocumentString(`
    fragment ModelVersionRef on ModelVersion {
  id
  name
  version
}
    `, {"fragmentName":"ModelVersionRef"}) as unknown as TypedDocumentString<ModelVersionRefFragment, unknown>;
export const AttributeFieldsFragmentDoc = new TypedDocumentString(`
    fragment AttributeFields on AttributePrediction {
  attribute
  label
  probability
  alternatives {
    label
    probability
  }
}
    `, {"fragmentName":"AttributeFields"}) as unknown as TypedDocumentString<AttributeFieldsFragment, unknown>;
export const ModelRefFieldsFragmentDoc = new TypedDocumentString(`
    fragment ModelRefFields on ModelRef {
  id
  name
  version
}
    `, {"fragmentName":"ModelRefFields"}) as unknown as TypedDocumentString<ModelRefFieldsFragment, unknown>;
export const ImageFacetsFragmentDoc = new TypedDocumentString(`
    fragment ImageFacets on Image {
  id
  modality
  plane
  locationCategory
}
    `, {"fragmentName":"ImageFacets"}) as unknown as TypedDocumentString<ImageFacetsFragment, unknown>;
export const CaseRefFragmentDoc = new TypedDocumentString(`
    fragment CaseRef on Case {
  id
  externalId
  title
}
    `, {"fragmentName":"CaseRef"}) as unknown as TypedDocumentString<CaseRefFragment, unknown>;
export const ImageMatchFieldsFragmentDoc = new TypedDocumentString(`
    fragment ImageMatchFields on ImageMatch {
  score
  similarity
  contradicts
  queryAttributes {
    ...AttributeFields
  }
  restriction {
    summary
  }
  modelVersion {
    ...ModelRefFields
  }
  image {
    ...ImageFacets
    caption {
      id
      text
    }
  }
  provenance {
    case {
      ...CaseRef
    }
    dataset {
      name
    }
  }
}
    fragment CaseRef on Case {
  id
  externalId
  title
}
fragment ImageFacets on Image {
  id
  modality
  plane
  locationCategory
}
fragment ModelRefFields on ModelRef {
  id
  name
  version
}
fragment AttributeFields on AttributePrediction {
  attribute
  label
  probability
  alternatives {
    label
    probability
  }
}`, {"fragmentName":"ImageMatchFields"}) as unknown as TypedDocumentString<ImageMatchFieldsFragment, unknown>;
export const CaptionSuspicionsDocument = new TypedDocumentString(`
    query CaptionSuspicions($first: Int, $after: String, $filter: CaptionSuspicionFilter) {
  captionSuspicions(first: $first, after: $after, filter: $filter) {
    totalCount
    pageInfo {
      hasNextPage
      endCursor
    }
    edges {
      cursor
      node {
        id
        score
        checkedAt
        reasons {
          code
          detail
          strength
          words
        }
        caption {
          id
          text
          revision
        }
        images {
          ...ImageFacets
          modalityDetail
          location
          case {
            ...CaseRef
          }
        }
      }
    }
  }
}
    fragment CaseRef on Case {
  id
  externalId
  title
}
fragment ImageFacets on Image {
  id
  modality
  plane
  locationCategory
}`) as unknown as TypedDocumentString<CaptionSuspicionsQuery, CaptionSuspicionsQueryVariables>;
export const SuspicionCountDocument = new TypedDocumentString(`
    query SuspicionCount {
  captionSuspicions(first: 1) {
    totalCount
  }
}
    `) as unknown as TypedDocumentString<SuspicionCountQuery, SuspicionCountQueryVariables>;
export const DismissSuspicionDocument = new TypedDocumentString(`
    mutation DismissSuspicion($id: ID!, $note: String) {
  dismissSuspicion(id: $id, note: $note) {
    id
    dismissed
  }
}
    `) as unknown as TypedDocumentString<DismissSuspicionMutation, DismissSuspicionMutationVariables>;
export const FlagFromSuspicionDocument = new TypedDocumentString(`
    mutation FlagFromSuspicion($id: ID!) {
  flagFromSuspicion(id: $id) {
    id
    reason
  }
}
    `) as unknown as TypedDocumentString<FlagFromSuspicionMutation, FlagFromSuspicionMutationVariables>;
export const CaseFacetsDocument = new TypedDocumentString(`
    query CaseFacets {
  datasets {
    id
    name
  }
}
    `) as unknown as TypedDocumentString<CaseFacetsQuery, CaseFacetsQueryVariables>;
export const CasesDocument = new TypedDocumentString(`
    query Cases($filter: CaseFilter, $first: Int, $after: String) {
  cases(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo {
      hasNextPage
      endCursor
    }
    edges {
      cursor
      node {
        ...CaseRef
        split
        caseDiagnosis
        category
        dataset {
          name
        }
        images {
          ...ImageFacets
          thumbnailUrl(size: 96)
        }
      }
    }
  }
}
    fragment CaseRef on Case {
  id
  externalId
  title
}
fragment ImageFacets on Image {
  id
  modality
  plane
  locationCategory
}`) as unknown as TypedDocumentString<CasesQuery, CasesQueryVariables>;
export const CaseDocument = new TypedDocumentString(`
    query Case($id: ID!) {
  case(id: $id) {
    ...CaseRef
    split
    history
    exam
    findings
    differentialDiagnosis
    caseDiagnosis
    diagnosisBy
    topicTitle
    diseaseDiscussion
    acrCode
    category
    createdAt
    updatedAt
    dataset {
      id
      name
      source
      licence
      citation
    }
    images {
      ...ImageFacets
      externalId
      width
      height
      format
      modalityDetail
      location
      patientAge
      patientSex
      acrCodes
      figurePart
      caption {
        id
        text
        source
        revision
        updatedAt
        revisions {
          id
          revision
          text
          source
          author
          comment
          createdAt
        }
        flags {
          ...FlagFields
        }
      }
    }
  }
}
    fragment CaseRef on Case {
  id
  externalId
  title
}
fragment ImageFacets on Image {
  id
  modality
  plane
  locationCategory
}
fragment FlagFields on Flag {
  id
  reason
  note
  status
  raisedBy
  resolvedBy
  resolutionComment
  correctedText
  createdAt
  resolvedAt
}`) as unknown as TypedDocumentString<CaseQuery, CaseQueryVariables>;
export const FlagQueueDocument = new TypedDocumentString(`
    query FlagQueue($status: FlagStatus, $first: Int, $after: String) {
  flags(status: $status, first: $first, after: $after) {
    totalCount
    pageInfo {
      hasNextPage
      endCursor
    }
    edges {
      cursor
      node {
        ...FlagFields
        caption {
          id
          text
          source
          revision
          image {
            ...ImageFacets
            width
            height
            modalityDetail
            location
            case {
              ...CaseRef
              caseDiagnosis
            }
          }
        }
      }
    }
  }
}
    fragment CaseRef on Case {
  id
  externalId
  title
}
fragment ImageFacets on Image {
  id
  modality
  plane
  locationCategory
}
fragment FlagFields on Flag {
  id
  reason
  note
  status
  raisedBy
  resolvedBy
  resolutionComment
  correctedText
  createdAt
  resolvedAt
}`) as unknown as TypedDocumentString<FlagQueueQuery, FlagQueueQueryVariables>;
export const FlagCaptionDocument = new TypedDocumentString(`
    mutation FlagCaption($captionId: ID!, $reason: FlagReason!, $note: String) {
  flagCaption(captionId: $captionId, reason: $reason, note: $note) {
    id
    status
  }
}
    `) as unknown as TypedDocumentString<FlagCaptionMutation, FlagCaptionMutationVariables>;
export const ResolveFlagDocument = new TypedDocumentString(`
    mutation ResolveFlag($id: ID!, $decision: FlagDecision!, $correctedText: String, $comment: String) {
  resolveFlag(
    id: $id
    decision: $decision
    correctedText: $correctedText
    comment: $comment
  ) {
    id
    status
    correctedText
    caption {
      id
      text
      revision
    }
  }
}
    `) as unknown as TypedDocumentString<ResolveFlagMutation, ResolveFlagMutationVariables>;
export const UpdateCaptionDocument = new TypedDocumentString(`
    mutation UpdateCaption($id: ID!, $text: String!, $comment: String) {
  updateCaption(id: $id, text: $text, comment: $comment) {
    id
    text
    revision
  }
}
    `) as unknown as TypedDocumentString<UpdateCaptionMutation, UpdateCaptionMutationVariables>;
export const AddImageDocument = new TypedDocumentString(`
    mutation AddImage($input: AddImageInput!) {
  addImage(input: $input) {
    id
  }
}
    `) as unknown as TypedDocumentString<AddImageMutation, AddImageMutationVariables>;
export const DashboardDocument = new TypedDocumentString(`
    query Dashboard {
  health {
    status
    database
    retrieval
    uptimeSeconds
  }
  datasets {
    id
    name
    source
    caseCount
  }
  all: cases(first: 1) {
    totalCount
  }
  train: cases(first: 1, filter: {splits: [TRAIN]}) {
    totalCount
  }
  dev: cases(first: 1, filter: {splits: [DEV]}) {
    totalCount
  }
  test: cases(first: 1, filter: {splits: [TEST]}) {
    totalCount
  }
  ct: cases(first: 1, filter: {modalities: [CT]}) {
    totalCount
  }
  mr: cases(first: 1, filter: {modalities: [MR]}) {
    totalCount
  }
  xr: cases(first: 1, filter: {modalities: [XR]}) {
    totalCount
  }
  us: cases(first: 1, filter: {modalities: [US]}) {
    totalCount
  }
  otherModality: cases(first: 1, filter: {modalities: [OTHER]}) {
    totalCount
  }
  openFlags: flags(status: OPEN, first: 5) {
    totalCount
    edges {
      node {
        id
        reason
        raisedBy
        createdAt
        caption {
          id
          text
          image {
            id
            case {
              id
              externalId
            }
          }
        }
      }
    }
  }
  modelVersions {
    ...ModelVersionRef
    embeddingDim
    active
    createdAt
  }
  evaluationRuns {
    id
    protocol
    split
    metrics
    startedAt
    finishedAt
    modelVersion {
      ...ModelVersionRef
    }
  }
}
    fragment ModelVersionRef on ModelVersion {
  id
  name
  version
}`) as unknown as TypedDocumentString<DashboardQuery, DashboardQueryVariables>;
export const OpenFlagCountDocument = new TypedDocumentString(`
    query OpenFlagCount {
  flags(status: OPEN, first: 1) {
    totalCount
  }
}
    `) as unknown as TypedDocumentString<OpenFlagCountQuery, OpenFlagCountQueryVariables>;
export const EvaluationsDocument = new TypedDocumentString(`
    query Evaluations {
  modelVersions {
    ...ModelVersionRef
    active
  }
  evaluationRuns {
    id
    protocol
    split
    params
    metrics
    anatomy {
      basis
      top1 {
        regionRaw {
          ...AgreementFigureFields
        }
        regionGrouped {
          ...AgreementFigureFields
        }
        modality {
          ...AgreementFigureFields
        }
        plane {
          ...AgreementFigureFields
        }
      }
      allOfTop5 {
        regionGrouped {
          ...AgreementFigureFields
        }
        modality {
          ...AgreementFigureFields
        }
        plane {
          ...AgreementFigureFields
        }
      }
    }
    startedAt
    finishedAt
    modelVersion {
      ...ModelVersionRef
    }
    job {
      id
      status
    }
  }
}
    fragment AgreementFigureFields on AgreementFigure {
  value
  floor
  n
}
fragment ModelVersionRef on ModelVersion {
  id
  name
  version
}`) as unknown as TypedDocumentString<EvaluationsQuery, EvaluationsQueryVariables>;
export const RunEvaluationDocument = new TypedDocumentString(`
    mutation RunEvaluation($protocol: EvaluationProtocol!, $split: Split!, $modelVersionId: ID) {
  runEvaluation(
    protocol: $protocol
    split: $split
    modelVersionId: $modelVersionId
  ) {
    ...JobStarted
  }
}
    fragment JobStarted on Job {
  id
  kind
  status
  progress
}`) as unknown as TypedDocumentString<RunEvaluationMutation, RunEvaluationMutationVariables>;
export const ExplainMatchDocument = new TypedDocumentString(`
    query ExplainMatch($image: ImageInput!, $captionId: ID, $imageId: ID, $grid: Int) {
  explainMatch(
    image: $image
    captionId: $captionId
    imageId: $imageId
    grid: $grid
  ) {
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
    fragment ModelRefFields on ModelRef {
  id
  name
  version
}`) as unknown as TypedDocumentString<ExplainMatchQuery, ExplainMatchQueryVariables>;
export const JobDocument = new TypedDocumentString(`
    query Job($id: ID!) {
  job(id: $id) {
    id
    kind
    status
    progress
    message
    error
    result
    createdBy
    createdAt
    startedAt
    finishedAt
  }
}
    `) as unknown as TypedDocumentString<JobQuery, JobQueryVariables>;
export const ApiKeysDocument = new TypedDocumentString(`
    query ApiKeys {
  apiKeys {
    id
    label
    role
    prefix
    revoked
    createdAt
    revokedAt
    lastUsedAt
  }
}
    `) as unknown as TypedDocumentString<ApiKeysQuery, ApiKeysQueryVariables>;
export const CreateApiKeyDocument = new TypedDocumentString(`
    mutation CreateApiKey($label: String!, $role: Role!) {
  createApiKey(label: $label, role: $role) {
    secret
    key {
      id
      label
      role
      prefix
    }
  }
}
    `) as unknown as TypedDocumentString<CreateApiKeyMutation, CreateApiKeyMutationVariables>;
export const RevokeApiKeyDocument = new TypedDocumentString(`
    mutation RevokeApiKey($id: ID!) {
  revokeApiKey(id: $id) {
    id
    revoked
  }
}
    `) as unknown as TypedDocumentString<RevokeApiKeyMutation, RevokeApiKeyMutationVariables>;
export const ModelsDocument = new TypedDocumentString(`
    query Models {
  modelVersions {
    id
    name
    version
    embeddingDim
    manifestSha256
    active
    createdAt
    evaluationRuns {
      id
      protocol
      split
      metrics
      finishedAt
    }
  }
}
    `) as unknown as TypedDocumentString<ModelsQuery, ModelsQueryVariables>;
export const ActivateModelVersionDocument = new TypedDocumentString(`
    mutation ActivateModelVersion($id: ID!) {
  activateModelVersion(id: $id) {
    id
    active
  }
}
    `) as unknown as TypedDocumentString<ActivateModelVersionMutation, ActivateModelVersionMutationVariables>;
export const ReindexDocument = new TypedDocumentString(`
    mutation Reindex($modelVersionId: ID) {
  reindex(modelVersionId: $modelVersionId) {
    ...JobStarted
  }
}
    fragment JobStarted on Job {
  id
  kind
  status
  progress
}`) as unknown as TypedDocumentString<ReindexMutation, ReindexMutationVariables>;
export const CaptionImageDocument = new TypedDocumentString(`
    query CaptionImage($image: ImageInput!, $k: Int, $filter: SearchFilter, $strategy: CaptionStrategy) {
  captionImage(image: $image, k: $k, filter: $filter, strategy: $strategy) {
    text
    score
    similarity
    vote
    strategy
    contradicts
    queryAttributes {
      ...AttributeFields
    }
    restriction {
      summary
    }
    supportingImages {
      similarity
      weight
      image {
        id
      }
    }
    modelVersion {
      ...ModelRefFields
    }
    captions {
      id
    }
    provenance {
      image {
        ...ImageFacets
      }
      case {
        ...CaseRef
      }
      dataset {
        name
      }
    }
  }
}
    fragment CaseRef on Case {
  id
  externalId
  title
}
fragment ImageFacets on Image {
  id
  modality
  plane
  locationCategory
}
fragment ModelRefFields on ModelRef {
  id
  name
  version
}
fragment AttributeFields on AttributePrediction {
  attribute
  label
  probability
  alternatives {
    label
    probability
  }
}`) as unknown as TypedDocumentString<CaptionImageQuery, CaptionImageQueryVariables>;
export const SearchImagesDocument = new TypedDocumentString(`
    query SearchImages($text: String!, $k: Int, $filter: SearchFilter) {
  searchImages(text: $text, k: $k, filter: $filter) {
    ...ImageMatchFields
  }
}
    fragment CaseRef on Case {
  id
  externalId
  title
}
fragment ImageFacets on Image {
  id
  modality
  plane
  locationCategory
}
fragment ModelRefFields on ModelRef {
  id
  name
  version
}
fragment AttributeFields on AttributePrediction {
  attribute
  label
  probability
  alternatives {
    label
    probability
  }
}
fragment ImageMatchFields on ImageMatch {
  score
  similarity
  contradicts
  queryAttributes {
    ...AttributeFields
  }
  restriction {
    summary
  }
  modelVersion {
    ...ModelRefFields
  }
  image {
    ...ImageFacets
    caption {
      id
      text
    }
  }
  provenance {
    case {
      ...CaseRef
    }
    dataset {
      name
    }
  }
}`) as unknown as TypedDocumentString<SearchImagesQuery, SearchImagesQueryVariables>;
export const SimilarImagesDocument = new TypedDocumentString(`
    query SimilarImages($image: ImageInput!, $k: Int, $filter: SearchFilter, $excludeSameCase: Boolean) {
  similarImages(
    image: $image
    k: $k
    filter: $filter
    excludeSameCase: $excludeSameCase
  ) {
    ...ImageMatchFields
  }
}
    fragment CaseRef on Case {
  id
  externalId
  title
}
fragment ImageFacets on Image {
  id
  modality
  plane
  locationCategory
}
fragment ModelRefFields on ModelRef {
  id
  name
  version
}
fragment AttributeFields on AttributePrediction {
  attribute
  label
  probability
  alternatives {
    label
    probability
  }
}
fragment ImageMatchFields on ImageMatch {
  score
  similarity
  contradicts
  queryAttributes {
    ...AttributeFields
  }
  restriction {
    summary
  }
  modelVersion {
    ...ModelRefFields
  }
  image {
    ...ImageFacets
    caption {
      id
      text
    }
  }
  provenance {
    case {
      ...CaseRef
    }
    dataset {
      name
    }
  }
}`) as unknown as TypedDocumentString<SimilarImagesQuery, SimilarImagesQueryVariables>;
export const CaptioningDefaultsDocument = new TypedDocumentString(`
    query CaptioningDefaults {
  captioningDefaults {
    strategy
    neighbours
    temperature
    weight
    consensus
  }
}
    `) as unknown as TypedDocumentString<CaptioningDefaultsQuery, CaptioningDefaultsQueryVariables>;
export const ClassifyImageDocument = new TypedDocumentString(`
    query ClassifyImage($image: ImageInput!) {
  classifyImage(image: $image) {
    attributes {
      ...AttributeFields
    }
    modelVersion {
      ...ModelRefFields
    }
  }
}
    fragment ModelRefFields on ModelRef {
  id
  name
  version
}
fragment AttributeFields on AttributePrediction {
  attribute
  label
  probability
  alternatives {
    label
    probability
  }
}`) as unknown as TypedDocumentString<ClassifyImageQuery, ClassifyImageQueryVariables>;
export const MeDocument = new TypedDocumentString(`
    query Me {
  me {
    id
    label
    role
    prefix
  }
}
    `) as unknown as TypedDocumentString<MeQuery, MeQueryVariables>;