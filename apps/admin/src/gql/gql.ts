/* eslint-disable */
import * as types from './graphql';



/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  query CaptionSuspicions($first: Int, $after: String, $filter: CaptionSuspicionFilter) {\n    captionSuspicions(first: $first, after: $after, filter: $filter) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        cursor\n        node {\n          id\n          score\n          checkedAt\n          reasons {\n            code\n            detail\n            strength\n            words\n          }\n          caption {\n            id\n            text\n            revision\n          }\n          images {\n            ...ImageFacets\n            modalityDetail\n            location\n            case {\n              ...CaseRef\n            }\n          }\n        }\n      }\n    }\n  }\n": typeof types.CaptionSuspicionsDocument,
    "\n  query SuspicionCount {\n    captionSuspicions(first: 1) {\n      totalCount\n    }\n  }\n": typeof types.SuspicionCountDocument,
    "\n  mutation DismissSuspicion($id: ID!, $note: String) {\n    dismissSuspicion(id: $id, note: $note) {\n      id\n      dismissed\n    }\n  }\n": typeof types.DismissSuspicionDocument,
    "\n  mutation FlagFromSuspicion($id: ID!) {\n    flagFromSuspicion(id: $id) {\n      id\n      reason\n    }\n  }\n": typeof types.FlagFromSuspicionDocument,
    "\n  fragment CaseRef on Case {\n    id\n    externalId\n    title\n  }\n": typeof types.CaseRefFragmentDoc,
    "\n  fragment ImageFacets on Image {\n    id\n    modality\n    plane\n    locationCategory\n  }\n": typeof types.ImageFacetsFragmentDoc,
    "\n  query CaseFacets {\n    datasets {\n      id\n      name\n    }\n  }\n": typeof types.CaseFacetsDocument,
    "\n  query Cases($filter: CaseFilter, $first: Int, $after: String) {\n    cases(filter: $filter, first: $first, after: $after) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        cursor\n        node {\n          ...CaseRef\n          split\n          caseDiagnosis\n          category\n          dataset {\n            name\n          }\n          images {\n            ...ImageFacets\n            thumbnailUrl(size: 96)\n          }\n        }\n      }\n    }\n  }\n": typeof types.CasesDocument,
    "\n  query Case($id: ID!) {\n    case(id: $id) {\n      ...CaseRef\n      split\n      history\n      exam\n      findings\n      differentialDiagnosis\n      caseDiagnosis\n      diagnosisBy\n      topicTitle\n      diseaseDiscussion\n      acrCode\n      category\n      createdAt\n      updatedAt\n      dataset {\n        id\n        name\n        source\n        licence\n        citation\n      }\n      images {\n        ...ImageFacets\n        externalId\n        width\n        height\n        format\n        modalityDetail\n        location\n        patientAge\n        patientSex\n        acrCodes\n        figurePart\n        caption {\n          id\n          text\n          source\n          revision\n          updatedAt\n          revisions {\n            id\n            revision\n            text\n            source\n            author\n            comment\n            createdAt\n          }\n          flags {\n            ...FlagFields\n          }\n        }\n      }\n    }\n  }\n": typeof types.CaseDocument,
    "\n  fragment FlagFields on Flag {\n    id\n    reason\n    note\n    status\n    raisedBy\n    resolvedBy\n    resolutionComment\n    correctedText\n    createdAt\n    resolvedAt\n  }\n": typeof types.FlagFieldsFragmentDoc,
    "\n  query FlagQueue($status: FlagStatus, $first: Int, $after: String) {\n    flags(status: $status, first: $first, after: $after) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        cursor\n        node {\n          ...FlagFields\n          caption {\n            id\n            text\n            source\n            revision\n            image {\n              ...ImageFacets\n              width\n              height\n              modalityDetail\n              location\n              case {\n                ...CaseRef\n                caseDiagnosis\n              }\n            }\n          }\n        }\n      }\n    }\n  }\n": typeof types.FlagQueueDocument,
    "\n  mutation FlagCaption($captionId: ID!, $reason: FlagReason!, $note: String) {\n    flagCaption(captionId: $captionId, reason: $reason, note: $note) {\n      id\n      status\n    }\n  }\n": typeof types.FlagCaptionDocument,
    "\n  mutation ResolveFlag($id: ID!, $decision: FlagDecision!, $correctedText: String, $comment: String) {\n    resolveFlag(id: $id, decision: $decision, correctedText: $correctedText, comment: $comment) {\n      id\n      status\n      correctedText\n      caption {\n        id\n        text\n        revision\n      }\n    }\n  }\n": typeof types.ResolveFlagDocument,
    "\n  mutation UpdateCaption($id: ID!, $text: String!, $comment: String) {\n    updateCaption(id: $id, text: $text, comment: $comment) {\n      id\n      text\n      revision\n    }\n  }\n": typeof types.UpdateCaptionDocument,
    "\n  mutation AddImage($input: AddImageInput!) {\n    addImage(input: $input) {\n      id\n    }\n  }\n": typeof types.AddImageDocument,
    "\n  query Dashboard {\n    health {\n      status\n      database\n      retrieval\n      uptimeSeconds\n    }\n    datasets {\n      id\n      name\n      source\n      caseCount\n    }\n    all: cases(first: 1) {\n      totalCount\n    }\n    train: cases(first: 1, filter: { splits: [TRAIN] }) {\n      totalCount\n    }\n    dev: cases(first: 1, filter: { splits: [DEV] }) {\n      totalCount\n    }\n    test: cases(first: 1, filter: { splits: [TEST] }) {\n      totalCount\n    }\n    ct: cases(first: 1, filter: { modalities: [CT] }) {\n      totalCount\n    }\n    mr: cases(first: 1, filter: { modalities: [MR] }) {\n      totalCount\n    }\n    xr: cases(first: 1, filter: { modalities: [XR] }) {\n      totalCount\n    }\n    us: cases(first: 1, filter: { modalities: [US] }) {\n      totalCount\n    }\n    otherModality: cases(first: 1, filter: { modalities: [OTHER] }) {\n      totalCount\n    }\n    openFlags: flags(status: OPEN, first: 5) {\n      totalCount\n      edges {\n        node {\n          id\n          reason\n          raisedBy\n          createdAt\n          caption {\n            id\n            text\n            image {\n              id\n              case {\n                id\n                externalId\n              }\n            }\n          }\n        }\n      }\n    }\n    modelVersions {\n      ...ModelVersionRef\n      embeddingDim\n      active\n      createdAt\n    }\n    evaluationRuns {\n      id\n      protocol\n      split\n      metrics\n      startedAt\n      finishedAt\n      modelVersion {\n        ...ModelVersionRef\n      }\n    }\n  }\n": typeof types.DashboardDocument,
    "\n  query OpenFlagCount {\n    flags(status: OPEN, first: 1) {\n      totalCount\n    }\n  }\n": typeof types.OpenFlagCountDocument,
    "\n  fragment AgreementFigureFields on AgreementFigure {\n    value\n    floor\n    n\n  }\n": typeof types.AgreementFigureFieldsFragmentDoc,
    "\n  query Evaluations {\n    modelVersions {\n      ...ModelVersionRef\n      active\n    }\n    evaluationRuns {\n      id\n      protocol\n      split\n      params\n      metrics\n      anatomy {\n        basis\n        top1 {\n          regionRaw {\n            ...AgreementFigureFields\n          }\n          regionGrouped {\n            ...AgreementFigureFields\n          }\n          modality {\n            ...AgreementFigureFields\n          }\n          plane {\n            ...AgreementFigureFields\n          }\n        }\n        allOfTop5 {\n          regionGrouped {\n            ...AgreementFigureFields\n          }\n          modality {\n            ...AgreementFigureFields\n          }\n          plane {\n            ...AgreementFigureFields\n          }\n        }\n      }\n      startedAt\n      finishedAt\n      modelVersion {\n        ...ModelVersionRef\n      }\n      job {\n        id\n        status\n      }\n    }\n  }\n": typeof types.EvaluationsDocument,
    "\n  mutation RunEvaluation($protocol: EvaluationProtocol!, $split: Split!, $modelVersionId: ID) {\n    runEvaluation(protocol: $protocol, split: $split, modelVersionId: $modelVersionId) {\n      ...JobStarted\n    }\n  }\n": typeof types.RunEvaluationDocument,
    "\n  query ExplainMatch($image: ImageInput!, $captionId: ID, $imageId: ID, $grid: Int) {\n    explainMatch(image: $image, captionId: $captionId, imageId: $imageId, grid: $grid) {\n      grid\n      targetKind\n      targetId\n      targetText\n      similarity\n      imageWidth\n      imageHeight\n      cached\n      computeMs\n      imageEncodes\n      textEncodes\n      topCells {\n        row\n        col\n        drop\n        heat\n      }\n      overlay {\n        width\n        height\n        dataUrl\n      }\n      wordWeights {\n        word\n        start\n        drop\n        weight\n      }\n      modelVersion {\n        ...ModelRefFields\n      }\n    }\n  }\n": typeof types.ExplainMatchDocument,
    "\n  fragment JobStarted on Job {\n    id\n    kind\n    status\n    progress\n  }\n": typeof types.JobStartedFragmentDoc,
    "\n  query Job($id: ID!) {\n    job(id: $id) {\n      id\n      kind\n      status\n      progress\n      message\n      error\n      result\n      createdBy\n      createdAt\n      startedAt\n      finishedAt\n    }\n  }\n": typeof types.JobDocument,
    "\n  query ApiKeys {\n    apiKeys {\n      id\n      label\n      role\n      prefix\n      revoked\n      createdAt\n      revokedAt\n      lastUsedAt\n    }\n  }\n": typeof types.ApiKeysDocument,
    "\n  mutation CreateApiKey($label: String!, $role: Role!) {\n    createApiKey(label: $label, role: $role) {\n      secret\n      key {\n        id\n        label\n        role\n        prefix\n      }\n    }\n  }\n": typeof types.CreateApiKeyDocument,
    "\n  mutation RevokeApiKey($id: ID!) {\n    revokeApiKey(id: $id) {\n      id\n      revoked\n    }\n  }\n": typeof types.RevokeApiKeyDocument,
    "\n  fragment ModelVersionRef on ModelVersion {\n    id\n    name\n    version\n  }\n": typeof types.ModelVersionRefFragmentDoc,
    "\n  query Models {\n    modelVersions {\n      id\n      name\n      version\n      embeddingDim\n      manifestSha256\n      active\n      createdAt\n      evaluationRuns {\n        id\n        protocol\n        split\n        metrics\n        finishedAt\n      }\n    }\n  }\n": typeof types.ModelsDocument,
    "\n  mutation ActivateModelVersion($id: ID!) {\n    activateModelVersion(id: $id) {\n      id\n      active\n    }\n  }\n": typeof types.ActivateModelVersionDocument,
    "\n  mutation Reindex($modelVersionId: ID) {\n    reindex(modelVersionId: $modelVersionId) {\n      ...JobStarted\n    }\n  }\n": typeof types.ReindexDocument,
    "\n  fragment ModelRefFields on ModelRef {\n    id\n    name\n    version\n  }\n": typeof types.ModelRefFieldsFragmentDoc,
    "\n  fragment AttributeFields on AttributePrediction {\n    attribute\n    label\n    probability\n    alternatives {\n      label\n      probability\n    }\n  }\n": typeof types.AttributeFieldsFragmentDoc,
    "\n  fragment ImageMatchFields on ImageMatch {\n    score\n    similarity\n    contradicts\n    queryAttributes {\n      ...AttributeFields\n    }\n    restriction {\n      summary\n    }\n    modelVersion {\n      ...ModelRefFields\n    }\n    image {\n      ...ImageFacets\n      caption {\n        id\n        text\n      }\n    }\n    provenance {\n      case {\n        ...CaseRef\n      }\n      dataset {\n        name\n      }\n    }\n  }\n": typeof types.ImageMatchFieldsFragmentDoc,
    "\n  query CaptionImage($image: ImageInput!, $k: Int, $filter: SearchFilter, $strategy: CaptionStrategy) {\n    captionImage(image: $image, k: $k, filter: $filter, strategy: $strategy) {\n      text\n      score\n      similarity\n      vote\n      strategy\n      contradicts\n      queryAttributes {\n        ...AttributeFields\n      }\n      restriction {\n        summary\n      }\n      supportingImages {\n        similarity\n        weight\n        image {\n          id\n        }\n      }\n      modelVersion {\n        ...ModelRefFields\n      }\n      captions {\n        id\n      }\n      provenance {\n        image {\n          ...ImageFacets\n        }\n        case {\n          ...CaseRef\n        }\n        dataset {\n          name\n        }\n      }\n    }\n  }\n": typeof types.CaptionImageDocument,
    "\n  query SearchImages($text: String!, $k: Int, $filter: SearchFilter) {\n    searchImages(text: $text, k: $k, filter: $filter) {\n      ...ImageMatchFields\n    }\n  }\n": typeof types.SearchImagesDocument,
    "\n  query SimilarImages($image: ImageInput!, $k: Int, $filter: SearchFilter, $excludeSameCase: Boolean) {\n    similarImages(image: $image, k: $k, filter: $filter, excludeSameCase: $excludeSameCase) {\n      ...ImageMatchFields\n    }\n  }\n": typeof types.SimilarImagesDocument,
    "\n  query CaptioningDefaults {\n    captioningDefaults {\n      strategy\n      neighbours\n      temperature\n      weight\n      consensus\n    }\n  }\n": typeof types.CaptioningDefaultsDocument,
    "\n  query ClassifyImage($image: ImageInput!) {\n    classifyImage(image: $image) {\n      attributes {\n        ...AttributeFields\n      }\n      modelVersion {\n        ...ModelRefFields\n      }\n    }\n  }\n": typeof types.ClassifyImageDocument,
    "\n  query Me {\n    me {\n      id\n      label\n      role\n      prefix\n    }\n  }\n": typeof types.MeDocument,
};
const documents: Documents = {
    "\n  query CaptionSuspicions($first: Int, $after: String, $filter: CaptionSuspicionFilter) {\n    captionSuspicions(first: $first, after: $after, filter: $filter) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        cursor\n        node {\n          id\n          score\n          checkedAt\n          reasons {\n            code\n            detail\n            strength\n            words\n          }\n          caption {\n            id\n            text\n            revision\n          }\n          images {\n            ...ImageFacets\n            modalityDetail\n            location\n            case {\n              ...CaseRef\n            }\n          }\n        }\n      }\n    }\n  }\n": types.CaptionSuspicionsDocument,
    "\n  query SuspicionCount {\n    captionSuspicions(first: 1) {\n      totalCount\n    }\n  }\n": types.SuspicionCountDocument,
    "\n  mutation DismissSuspicion($id: ID!, $note: String) {\n    dismissSuspicion(id: $id, note: $note) {\n      id\n      dismissed\n    }\n  }\n": types.DismissSuspicionDocument,
    "\n  mutation FlagFromSuspicion($id: ID!) {\n    flagFromSuspicion(id: $id) {\n      id\n      reason\n    }\n  }\n": types.FlagFromSuspicionDocument,
    "\n  fragment CaseRef on Case {\n    id\n    externalId\n    title\n  }\n": types.CaseRefFragmentDoc,
    "\n  fragment ImageFacets on Image {\n    id\n    modality\n    plane\n    locationCategory\n  }\n": types.ImageFacetsFragmentDoc,
    "\n  query CaseFacets {\n    datasets {\n      id\n      name\n    }\n  }\n": types.CaseFacetsDocument,
    "\n  query Cases($filter: CaseFilter, $first: Int, $after: String) {\n    cases(filter: $filter, first: $first, after: $after) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        cursor\n        node {\n          ...CaseRef\n          split\n          caseDiagnosis\n          category\n          dataset {\n            name\n          }\n          images {\n            ...ImageFacets\n            thumbnailUrl(size: 96)\n          }\n        }\n      }\n    }\n  }\n": types.CasesDocument,
    "\n  query Case($id: ID!) {\n    case(id: $id) {\n      ...CaseRef\n      split\n      history\n      exam\n      findings\n      differentialDiagnosis\n      caseDiagnosis\n      diagnosisBy\n      topicTitle\n      diseaseDiscussion\n      acrCode\n      category\n      createdAt\n      updatedAt\n      dataset {\n        id\n        name\n        source\n        licence\n        citation\n      }\n      images {\n        ...ImageFacets\n        externalId\n        width\n        height\n        format\n        modalityDetail\n        location\n        patientAge\n        patientSex\n        acrCodes\n        figurePart\n        caption {\n          id\n          text\n          source\n          revision\n          updatedAt\n          revisions {\n            id\n            revision\n            text\n            source\n            author\n            comment\n            createdAt\n          }\n          flags {\n            ...FlagFields\n          }\n        }\n      }\n    }\n  }\n": types.CaseDocument,
    "\n  fragment FlagFields on Flag {\n    id\n    reason\n    note\n    status\n    raisedBy\n    resolvedBy\n    resolutionComment\n    correctedText\n    createdAt\n    resolvedAt\n  }\n": types.FlagFieldsFragmentDoc,
    "\n  query FlagQueue($status: FlagStatus, $first: Int, $after: String) {\n    flags(status: $status, first: $first, after: $after) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        cursor\n        node {\n          ...FlagFields\n          caption {\n            id\n            text\n            source\n            revision\n            image {\n              ...ImageFacets\n              width\n              height\n              modalityDetail\n              location\n              case {\n                ...CaseRef\n                caseDiagnosis\n              }\n            }\n          }\n        }\n      }\n    }\n  }\n": types.FlagQueueDocument,
    "\n  mutation FlagCaption($captionId: ID!, $reason: FlagReason!, $note: String) {\n    flagCaption(captionId: $captionId, reason: $reason, note: $note) {\n      id\n      status\n    }\n  }\n": types.FlagCaptionDocument,
    "\n  mutation ResolveFlag($id: ID!, $decision: FlagDecision!, $correctedText: String, $comment: String) {\n    resolveFlag(id: $id, decision: $decision, correctedText: $correctedText, comment: $comment) {\n      id\n      status\n      correctedText\n      caption {\n        id\n        text\n        revision\n      }\n    }\n  }\n": types.ResolveFlagDocument,
    "\n  mutation UpdateCaption($id: ID!, $text: String!, $comment: String) {\n    updateCaption(id: $id, text: $text, comment: $comment) {\n      id\n      text\n      revision\n    }\n  }\n": types.UpdateCaptionDocument,
    "\n  mutation AddImage($input: AddImageInput!) {\n    addImage(input: $input) {\n      id\n    }\n  }\n": types.AddImageDocument,
    "\n  query Dashboard {\n    health {\n      status\n      database\n      retrieval\n      uptimeSeconds\n    }\n    datasets {\n      id\n      name\n      source\n      caseCount\n    }\n    all: cases(first: 1) {\n      totalCount\n    }\n    train: cases(first: 1, filter: { splits: [TRAIN] }) {\n      totalCount\n    }\n    dev: cases(first: 1, filter: { splits: [DEV] }) {\n      totalCount\n    }\n    test: cases(first: 1, filter: { splits: [TEST] }) {\n      totalCount\n    }\n    ct: cases(first: 1, filter: { modalities: [CT] }) {\n      totalCount\n    }\n    mr: cases(first: 1, filter: { modalities: [MR] }) {\n      totalCount\n    }\n    xr: cases(first: 1, filter: { modalities: [XR] }) {\n      totalCount\n    }\n    us: cases(first: 1, filter: { modalities: [US] }) {\n      totalCount\n    }\n    otherModality: cases(first: 1, filter: { modalities: [OTHER] }) {\n      totalCount\n    }\n    openFlags: flags(status: OPEN, first: 5) {\n      totalCount\n      edges {\n        node {\n          id\n          reason\n          raisedBy\n          createdAt\n          caption {\n            id\n            text\n            image {\n              id\n              case {\n                id\n                externalId\n              }\n            }\n          }\n        }\n      }\n    }\n    modelVersions {\n      ...ModelVersionRef\n      embeddingDim\n      active\n      createdAt\n    }\n    evaluationRuns {\n      id\n      protocol\n      split\n      metrics\n      startedAt\n      finishedAt\n      modelVersion {\n        ...ModelVersionRef\n      }\n    }\n  }\n": types.DashboardDocument,
    "\n  query OpenFlagCount {\n    flags(status: OPEN, first: 1) {\n      totalCount\n    }\n  }\n": types.OpenFlagCountDocument,
    "\n  fragment AgreementFigureFields on AgreementFigure {\n    value\n    floor\n    n\n  }\n": types.AgreementFigureFieldsFragmentDoc,
    "\n  query Evaluations {\n    modelVersions {\n      ...ModelVersionRef\n      active\n    }\n    evaluationRuns {\n      id\n      protocol\n      split\n      params\n      metrics\n      anatomy {\n        basis\n        top1 {\n          regionRaw {\n            ...AgreementFigureFields\n          }\n          regionGrouped {\n            ...AgreementFigureFields\n          }\n          modality {\n            ...AgreementFigureFields\n          }\n          plane {\n            ...AgreementFigureFields\n          }\n        }\n        allOfTop5 {\n          regionGrouped {\n            ...AgreementFigureFields\n          }\n          modality {\n            ...AgreementFigureFields\n          }\n          plane {\n            ...AgreementFigureFields\n          }\n        }\n      }\n      startedAt\n      finishedAt\n      modelVersion {\n        ...ModelVersionRef\n      }\n      job {\n        id\n        status\n      }\n    }\n  }\n": types.EvaluationsDocument,
    "\n  mutation RunEvaluation($protocol: EvaluationProtocol!, $split: Split!, $modelVersionId: ID) {\n    runEvaluation(protocol: $protocol, split: $split, modelVersionId: $modelVersionId) {\n      ...JobStarted\n    }\n  }\n": types.RunEvaluationDocument,
    "\n  query ExplainMatch($image: ImageInput!, $captionId: ID, $imageId: ID, $grid: Int) {\n    explainMatch(image: $image, captionId: $captionId, imageId: $imageId, grid: $grid) {\n      grid\n      targetKind\n      targetId\n      targetText\n      similarity\n      imageWidth\n      imageHeight\n      cached\n      computeMs\n      imageEncodes\n      textEncodes\n      topCells {\n        row\n        col\n        drop\n        heat\n      }\n      overlay {\n        width\n        height\n        dataUrl\n      }\n      wordWeights {\n        word\n        start\n        drop\n        weight\n      }\n      modelVersion {\n        ...ModelRefFields\n      }\n    }\n  }\n": types.ExplainMatchDocument,
    "\n  fragment JobStarted on Job {\n    id\n    kind\n    status\n    progress\n  }\n": types.JobStartedFragmentDoc,
    "\n  query Job($id: ID!) {\n    job(id: $id) {\n      id\n      kind\n      status\n      progress\n      message\n      error\n      result\n      createdBy\n      createdAt\n      startedAt\n      finishedAt\n    }\n  }\n": types.JobDocument,
    "\n  query ApiKeys {\n    apiKeys {\n      id\n      label\n      role\n      prefix\n      revoked\n      createdAt\n      revokedAt\n      lastUsedAt\n    }\n  }\n": types.ApiKeysDocument,
    "\n  mutation CreateApiKey($label: String!, $role: Role!) {\n    createApiKey(label: $label, role: $role) {\n      secret\n      key {\n        id\n        label\n        role\n        prefix\n      }\n    }\n  }\n": types.CreateApiKeyDocument,
    "\n  mutation RevokeApiKey($id: ID!) {\n    revokeApiKey(id: $id) {\n      id\n      revoked\n    }\n  }\n": types.RevokeApiKeyDocument,
    "\n  fragment ModelVersionRef on ModelVersion {\n    id\n    name\n    version\n  }\n": types.ModelVersionRefFragmentDoc,
    "\n  query Models {\n    modelVersions {\n      id\n      name\n      version\n      embeddingDim\n      manifestSha256\n      active\n      createdAt\n      evaluationRuns {\n        id\n        protocol\n        split\n        metrics\n        finishedAt\n      }\n    }\n  }\n": types.ModelsDocument,
    "\n  mutation ActivateModelVersion($id: ID!) {\n    activateModelVersion(id: $id) {\n      id\n      active\n    }\n  }\n": types.ActivateModelVersionDocument,
    "\n  mutation Reindex($modelVersionId: ID) {\n    reindex(modelVersionId: $modelVersionId) {\n      ...JobStarted\n    }\n  }\n": types.ReindexDocument,
    "\n  fragment ModelRefFields on ModelRef {\n    id\n    name\n    version\n  }\n": types.ModelRefFieldsFragmentDoc,
    "\n  fragment AttributeFields on AttributePrediction {\n    attribute\n    label\n    probability\n    alternatives {\n      label\n      probability\n    }\n  }\n": types.AttributeFieldsFragmentDoc,
    "\n  fragment ImageMatchFields on ImageMatch {\n    score\n    similarity\n    contradicts\n    queryAttributes {\n      ...AttributeFields\n    }\n    restriction {\n      summary\n    }\n    modelVersion {\n      ...ModelRefFields\n    }\n    image {\n      ...ImageFacets\n      caption {\n        id\n        text\n      }\n    }\n    provenance {\n      case {\n        ...CaseRef\n      }\n      dataset {\n        name\n      }\n    }\n  }\n": types.ImageMatchFieldsFragmentDoc,
    "\n  query CaptionImage($image: ImageInput!, $k: Int, $filter: SearchFilter, $strategy: CaptionStrategy) {\n    captionImage(image: $image, k: $k, filter: $filter, strategy: $strategy) {\n      text\n      score\n      similarity\n      vote\n      strategy\n      contradicts\n      queryAttributes {\n        ...AttributeFields\n      }\n      restriction {\n        summary\n      }\n      supportingImages {\n        similarity\n        weight\n        image {\n          id\n        }\n      }\n      modelVersion {\n        ...ModelRefFields\n      }\n      captions {\n        id\n      }\n      provenance {\n        image {\n          ...ImageFacets\n        }\n        case {\n          ...CaseRef\n        }\n        dataset {\n          name\n        }\n      }\n    }\n  }\n": types.CaptionImageDocument,
    "\n  query SearchImages($text: String!, $k: Int, $filter: SearchFilter) {\n    searchImages(text: $text, k: $k, filter: $filter) {\n      ...ImageMatchFields\n    }\n  }\n": types.SearchImagesDocument,
    "\n  query SimilarImages($image: ImageInput!, $k: Int, $filter: SearchFilter, $excludeSameCase: Boolean) {\n    similarImages(image: $image, k: $k, filter: $filter, excludeSameCase: $excludeSameCase) {\n      ...ImageMatchFields\n    }\n  }\n": types.SimilarImagesDocument,
    "\n  query CaptioningDefaults {\n    captioningDefaults {\n      strategy\n      neighbours\n      temperature\n      weight\n      consensus\n    }\n  }\n": types.CaptioningDefaultsDocument,
    "\n  query ClassifyImage($image: ImageInput!) {\n    classifyImage(image: $image) {\n      attributes {\n        ...AttributeFields\n      }\n      modelVersion {\n        ...ModelRefFields\n      }\n    }\n  }\n": types.ClassifyImageDocument,
    "\n  query Me {\n    me {\n      id\n      label\n      role\n      prefix\n    }\n  }\n": types.MeDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query CaptionSuspicions($first: Int, $after: String, $filter: CaptionSuspicionFilter) {\n    captionSuspicions(first: $first, after: $after, filter: $filter) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        cursor\n        node {\n          id\n          score\n          checkedAt\n          reasons {\n            code\n            detail\n            strength\n            words\n          }\n          caption {\n            id\n            text\n            revision\n          }\n          images {\n            ...ImageFacets\n            modalityDetail\n            location\n            case {\n              ...CaseRef\n            }\n          }\n        }\n      }\n    }\n  }\n"): typeof import('./graphql').CaptionSuspicionsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query SuspicionCount {\n    captionSuspicions(first: 1) {\n      totalCount\n    }\n  }\n"): typeof import('./graphql').SuspicionCountDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DismissSuspicion($id: ID!, $note: String) {\n    dismissSuspicion(id: $id, note: $note) {\n      id\n      dismissed\n    }\n  }\n"): typeof import('./graphql').DismissSuspicionDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation FlagFromSuspicion($id: ID!) {\n    flagFromSuspicion(id: $id) {\n      id\n      reason\n    }\n  }\n"): typeof import('./graphql').FlagFromSuspicionDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment CaseRef on Case {\n    id\n    externalId\n    title\n  }\n"): typeof import('./graphql').CaseRefFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment ImageFacets on Image {\n    id\n    modality\n    plane\n    locationCategory\n  }\n"): typeof import('./graphql').ImageFacetsFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query CaseFacets {\n    datasets {\n      id\n      name\n    }\n  }\n"): typeof import('./graphql').CaseFacetsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Cases($filter: CaseFilter, $first: Int, $after: String) {\n    cases(filter: $filter, first: $first, after: $after) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        cursor\n        node {\n          ...CaseRef\n          split\n          caseDiagnosis\n          category\n          dataset {\n            name\n          }\n          images {\n            ...ImageFacets\n            thumbnailUrl(size: 96)\n          }\n        }\n      }\n    }\n  }\n"): typeof import('./graphql').CasesDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Case($id: ID!) {\n    case(id: $id) {\n      ...CaseRef\n      split\n      history\n      exam\n      findings\n      differentialDiagnosis\n      caseDiagnosis\n      diagnosisBy\n      topicTitle\n      diseaseDiscussion\n      acrCode\n      category\n      createdAt\n      updatedAt\n      dataset {\n        id\n        name\n        source\n        licence\n        citation\n      }\n      images {\n        ...ImageFacets\n        externalId\n        width\n        height\n        format\n        modalityDetail\n        location\n        patientAge\n        patientSex\n        acrCodes\n        figurePart\n        caption {\n          id\n          text\n          source\n          revision\n          updatedAt\n          revisions {\n            id\n            revision\n            text\n            source\n            author\n            comment\n            createdAt\n          }\n          flags {\n            ...FlagFields\n          }\n        }\n      }\n    }\n  }\n"): typeof import('./graphql').CaseDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment FlagFields on Flag {\n    id\n    reason\n    note\n    status\n    raisedBy\n    resolvedBy\n    resolutionComment\n    correctedText\n    createdAt\n    resolvedAt\n  }\n"): typeof import('./graphql').FlagFieldsFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query FlagQueue($status: FlagStatus, $first: Int, $after: String) {\n    flags(status: $status, first: $first, after: $after) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        cursor\n        node {\n          ...FlagFields\n          caption {\n            id\n            text\n            source\n            revision\n            image {\n              ...ImageFacets\n              width\n              height\n              modalityDetail\n              location\n              case {\n                ...CaseRef\n                caseDiagnosis\n              }\n            }\n          }\n        }\n      }\n    }\n  }\n"): typeof import('./graphql').FlagQueueDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation FlagCaption($captionId: ID!, $reason: FlagReason!, $note: String) {\n    flagCaption(captionId: $captionId, reason: $reason, note: $note) {\n      id\n      status\n    }\n  }\n"): typeof import('./graphql').FlagCaptionDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ResolveFlag($id: ID!, $decision: FlagDecision!, $correctedText: String, $comment: String) {\n    resolveFlag(id: $id, decision: $decision, correctedText: $correctedText, comment: $comment) {\n      id\n      status\n      correctedText\n      caption {\n        id\n        text\n        revision\n      }\n    }\n  }\n"): typeof import('./graphql').ResolveFlagDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateCaption($id: ID!, $text: String!, $comment: String) {\n    updateCaption(id: $id, text: $text, comment: $comment) {\n      id\n      text\n      revision\n    }\n  }\n"): typeof import('./graphql').UpdateCaptionDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AddImage($input: AddImageInput!) {\n    addImage(input: $input) {\n      id\n    }\n  }\n"): typeof import('./graphql').AddImageDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Dashboard {\n    health {\n      status\n      database\n      retrieval\n      uptimeSeconds\n    }\n    datasets {\n      id\n      name\n      source\n      caseCount\n    }\n    all: cases(first: 1) {\n      totalCount\n    }\n    train: cases(first: 1, filter: { splits: [TRAIN] }) {\n      totalCount\n    }\n    dev: cases(first: 1, filter: { splits: [DEV] }) {\n      totalCount\n    }\n    test: cases(first: 1, filter: { splits: [TEST] }) {\n      totalCount\n    }\n    ct: cases(first: 1, filter: { modalities: [CT] }) {\n      totalCount\n    }\n    mr: cases(first: 1, filter: { modalities: [MR] }) {\n      totalCount\n    }\n    xr: cases(first: 1, filter: { modalities: [XR] }) {\n      totalCount\n    }\n    us: cases(first: 1, filter: { modalities: [US] }) {\n      totalCount\n    }\n    otherModality: cases(first: 1, filter: { modalities: [OTHER] }) {\n      totalCount\n    }\n    openFlags: flags(status: OPEN, first: 5) {\n      totalCount\n      edges {\n        node {\n          id\n          reason\n          raisedBy\n          createdAt\n          caption {\n            id\n            text\n            image {\n              id\n              case {\n                id\n                externalId\n              }\n            }\n          }\n        }\n      }\n    }\n    modelVersions {\n      ...ModelVersionRef\n      embeddingDim\n      active\n      createdAt\n    }\n    evaluationRuns {\n      id\n      protocol\n      split\n      metrics\n      startedAt\n      finishedAt\n      modelVersion {\n        ...ModelVersionRef\n      }\n    }\n  }\n"): typeof import('./graphql').DashboardDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query OpenFlagCount {\n    flags(status: OPEN, first: 1) {\n      totalCount\n    }\n  }\n"): typeof import('./graphql').OpenFlagCountDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment AgreementFigureFields on AgreementFigure {\n    value\n    floor\n    n\n  }\n"): typeof import('./graphql').AgreementFigureFieldsFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Evaluations {\n    modelVersions {\n      ...ModelVersionRef\n      active\n    }\n    evaluationRuns {\n      id\n      protocol\n      split\n      params\n      metrics\n      anatomy {\n        basis\n        top1 {\n          regionRaw {\n            ...AgreementFigureFields\n          }\n          regionGrouped {\n            ...AgreementFigureFields\n          }\n          modality {\n            ...AgreementFigureFields\n          }\n          plane {\n            ...AgreementFigureFields\n          }\n        }\n        allOfTop5 {\n          regionGrouped {\n            ...AgreementFigureFields\n          }\n          modality {\n            ...AgreementFigureFields\n          }\n          plane {\n            ...AgreementFigureFields\n          }\n        }\n      }\n      startedAt\n      finishedAt\n      modelVersion {\n        ...ModelVersionRef\n      }\n      job {\n        id\n        status\n      }\n    }\n  }\n"): typeof import('./graphql').EvaluationsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RunEvaluation($protocol: EvaluationProtocol!, $split: Split!, $modelVersionId: ID) {\n    runEvaluation(protocol: $protocol, split: $split, modelVersionId: $modelVersionId) {\n      ...JobStarted\n    }\n  }\n"): typeof import('./graphql').RunEvaluationDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ExplainMatch($image: ImageInput!, $captionId: ID, $imageId: ID, $grid: Int) {\n    explainMatch(image: $image, captionId: $captionId, imageId: $imageId, grid: $grid) {\n      grid\n      targetKind\n      targetId\n      targetText\n      similarity\n      imageWidth\n      imageHeight\n      cached\n      computeMs\n      imageEncodes\n      textEncodes\n      topCells {\n        row\n        col\n        drop\n        heat\n      }\n      overlay {\n        width\n        height\n        dataUrl\n      }\n      wordWeights {\n        word\n        start\n        drop\n        weight\n      }\n      modelVersion {\n        ...ModelRefFields\n      }\n    }\n  }\n"): typeof import('./graphql').ExplainMatchDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment JobStarted on Job {\n    id\n    kind\n    status\n    progress\n  }\n"): typeof import('./graphql').JobStartedFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Job($id: ID!) {\n    job(id: $id) {\n      id\n      kind\n      status\n      progress\n      message\n      error\n      result\n      createdBy\n      createdAt\n      startedAt\n      finishedAt\n    }\n  }\n"): typeof import('./graphql').JobDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ApiKeys {\n    apiKeys {\n      id\n      label\n      role\n      prefix\n      revoked\n      createdAt\n      revokedAt\n      lastUsedAt\n    }\n  }\n"): typeof import('./graphql').ApiKeysDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateApiKey($label: String!, $role: Role!) {\n    createApiKey(label: $label, role: $role) {\n      secret\n      key {\n        id\n        label\n        role\n        prefix\n      }\n    }\n  }\n"): typeof import('./graphql').CreateApiKeyDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RevokeApiKey($id: ID!) {\n    revokeApiKey(id: $id) {\n      id\n      revoked\n    }\n  }\n"): typeof import('./graphql').RevokeApiKeyDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment ModelVersionRef on ModelVersion {\n    id\n    name\n    version\n  }\n"): typeof import('./graphql').ModelVersionRefFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Models {\n    modelVersions {\n      id\n      name\n      version\n      embeddingDim\n      manifestSha256\n      active\n      createdAt\n      evaluationRuns {\n        id\n        protocol\n        split\n        metrics\n        finishedAt\n      }\n    }\n  }\n"): typeof import('./graphql').ModelsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ActivateModelVersion($id: ID!) {\n    activateModelVersion(id: $id) {\n      id\n      active\n    }\n  }\n"): typeof import('./graphql').ActivateModelVersionDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Reindex($modelVersionId: ID) {\n    reindex(modelVersionId: $modelVersionId) {\n      ...JobStarted\n    }\n  }\n"): typeof import('./graphql').ReindexDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment ModelRefFields on ModelRef {\n    id\n    name\n    version\n  }\n"): typeof import('./graphql').ModelRefFieldsFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment AttributeFields on AttributePrediction {\n    attribute\n    label\n    probability\n    alternatives {\n      label\n      probability\n    }\n  }\n"): typeof import('./graphql').AttributeFieldsFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment ImageMatchFields on ImageMatch {\n    score\n    similarity\n    contradicts\n    queryAttributes {\n      ...AttributeFields\n    }\n    restriction {\n      summary\n    }\n    modelVersion {\n      ...ModelRefFields\n    }\n    image {\n      ...ImageFacets\n      caption {\n        id\n        text\n      }\n    }\n    provenance {\n      case {\n        ...CaseRef\n      }\n      dataset {\n        name\n      }\n    }\n  }\n"): typeof import('./graphql').ImageMatchFieldsFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query CaptionImage($image: ImageInput!, $k: Int, $filter: SearchFilter, $strategy: CaptionStrategy) {\n    captionImage(image: $image, k: $k, filter: $filter, strategy: $strategy) {\n      text\n      score\n      similarity\n      vote\n      strategy\n      contradicts\n      queryAttributes {\n        ...AttributeFields\n      }\n      restriction {\n        summary\n      }\n      supportingImages {\n        similarity\n        weight\n        image {\n          id\n        }\n      }\n      modelVersion {\n        ...ModelRefFields\n      }\n      captions {\n        id\n      }\n      provenance {\n        image {\n          ...ImageFacets\n        }\n        case {\n          ...CaseRef\n        }\n        dataset {\n          name\n        }\n      }\n    }\n  }\n"): typeof import('./graphql').CaptionImageDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query SearchImages($text: String!, $k: Int, $filter: SearchFilter) {\n    searchImages(text: $text, k: $k, filter: $filter) {\n      ...ImageMatchFields\n    }\n  }\n"): typeof import('./graphql').SearchImagesDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query SimilarImages($image: ImageInput!, $k: Int, $filter: SearchFilter, $excludeSameCase: Boolean) {\n    similarImages(image: $image, k: $k, filter: $filter, excludeSameCase: $excludeSameCase) {\n      ...ImageMatchFields\n    }\n  }\n"): typeof import('./graphql').SimilarImagesDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query CaptioningDefaults {\n    captioningDefaults {\n      strategy\n      neighbours\n      temperature\n      weight\n      consensus\n    }\n  }\n"): typeof import('./graphql').CaptioningDefaultsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ClassifyImage($image: ImageInput!) {\n    classifyImage(image: $image) {\n      attributes {\n        ...AttributeFields\n      }\n      modelVersion {\n        ...ModelRefFields\n      }\n    }\n  }\n"): typeof import('./graphql').ClassifyImageDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Me {\n    me {\n      id\n      label\n      role\n      prefix\n    }\n  }\n"): typeof import('./graphql').MeDocument;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
