import type { Dispatch } from 'react';
import { wizardApi } from './api';
import { readChoice, type Action, type WizardSource, type WizardState } from './state';

/**
 * The sample as the engine's calls name it: a dropped or chosen upload by its id (its stored path
 * is outside the source's folder, so the engine refuses it as a file), else a file of the folder.
 */
export function sampleRef(s: Pick<WizardState, 'file' | 'upload'>): { file: string | null; upload: string | null } {
  return s.upload ? { file: null, upload: s.upload.uploadId } : { file: s.file, upload: null };
}

/**
 * Reads the sample the wizard's state points at (a dropped file, a file of the folder, or the
 * database's first rows) with the chosen header row and sheet, and fills in fresh suggestions.
 * While editing a saved mapping, the mapping stays as saved and only the sample is refreshed.
 */
export async function readSample(
  state: Pick<WizardState, 'sourceId' | 'connectionId' | 'file' | 'upload' | 'headerRow' | 'sheet' | 'mappingId'> & { headerRows?: number | null },
  dispatch: Dispatch<Action>,
): Promise<void> {
  const [suggested, catalogue, source] = await Promise.all([
    wizardApi.suggest({
      sourceId: state.sourceId,
      connectionId: state.connectionId,
      ...sampleRef(state),
      read: readChoice(state) ?? null,
    }),
    wizardApi.catalogue(state.connectionId),
    sourceOf(state.sourceId),
  ]);
  dispatch({ type: 'patch', patch: { catalogue, ...(state.upload ? {} : { file: suggested.sample.file }) } });
  dispatch({
    type: 'suggested',
    sample: suggested.sample,
    topRows: suggested.topRows,
    suggestion: suggested.suggestion,
    draft: suggested.draft,
    profiles: suggested.profiles,
    source,
    keepEdits: Boolean(state.mappingId),
  });
}

/**
 * The source's kind and watermark column: the wording follows the kind, and the watermark is no
 * column to report by. Not known (the list could not be read): the wizard works on without it.
 */
async function sourceOf(sourceId: string): Promise<WizardSource | null> {
  try {
    const info = (await wizardApi.sources()).find((s) => s.id === sourceId);
    if (!info) return null;
    return { kind: info.kind, query: info.database?.query ?? false, watermarkColumn: info.database?.watermarkColumn ?? null };
  } catch {
    return null;
  }
}
