import type { Dispatch } from 'react';
import { wizardApi } from './api';
import { readChoice, type Action, type WizardState } from './state';

/**
 * Reads the sample the wizard's state points at (a dropped file, a file of the folder, or the
 * database's first rows) with the chosen header row and sheet, and fills in fresh suggestions.
 * While editing a saved mapping, the mapping stays as saved and only the sample is refreshed.
 */
export async function readSample(
  state: Pick<WizardState, 'sourceId' | 'connectionId' | 'file' | 'upload' | 'headerRow' | 'sheet' | 'mappingId'>,
  dispatch: Dispatch<Action>,
): Promise<void> {
  const [suggested, catalogue] = await Promise.all([
    wizardApi.suggest({
      sourceId: state.sourceId,
      connectionId: state.connectionId,
      file: state.upload ? null : state.file,
      upload: state.upload?.uploadId ?? null,
      read: readChoice(state) ?? null,
    }),
    wizardApi.catalogue(state.connectionId),
  ]);
  dispatch({ type: 'patch', patch: { catalogue, ...(state.upload ? {} : { file: suggested.sample.file }) } });
  dispatch({
    type: 'suggested',
    sample: suggested.sample,
    topRows: suggested.topRows,
    suggestion: suggested.suggestion,
    draft: suggested.draft,
    keepEdits: Boolean(state.mappingId),
  });
}
