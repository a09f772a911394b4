import { useState } from 'react';
import type { UpdateSourceParams } from '../../shared/contract/sources';
import type { SourceInfo } from '../../shared/dto';

/** What the add and edit forms report once saved: the source, and what the change means (edit only). */
export type OnSaved = (source: SourceInfo, notes: string[]) => void;

export const NOTHING_CHANGED = 'Nothing has changed yet: change a field and save, or cancel.';

/**
 * The fields whose value differs between the loaded settings and the form, compared by content
 * (pattern lists included). Both sides must be normalised the same way before they are compared.
 */
export function changedFields<T extends object>(before: Partial<T>, after: T): Partial<T> {
  const out: Partial<T> = {};
  for (const key of Object.keys(after) as Array<keyof T>) {
    if (JSON.stringify(before[key] ?? null) !== JSON.stringify(after[key] ?? null)) out[key] = after[key];
  }
  return out;
}

type Part = 'folder' | 'database';

/**
 * What an edit form sends: only what changed, so a field left alone is left out and stays as it
 * is. `before` is the loaded settings through the same normalisation as the form (a string when
 * they could not be read back, and then every field is sent); `extra` is sent as it is (a
 * password, which is never compared). Null when nothing changed.
 */
export function updateParams<K extends Part>(
  edit: { sourceId: string; name: string },
  name: string,
  part: K,
  before: NonNullable<UpdateSourceParams[K]> | string,
  after: NonNullable<UpdateSourceParams[K]>,
  extra: NonNullable<UpdateSourceParams[K]> = {},
): UpdateSourceParams | null {
  const changes = { ...changedFields(typeof before === 'string' ? {} : before, after), ...extra };
  const renamed = name.trim() !== edit.name;
  const changed = Object.keys(changes).length > 0;
  if (!renamed && !changed) return null;
  return { sourceId: edit.sourceId, ...(renamed ? { name: name.trim() } : {}), ...(changed ? ({ [part]: changes } as Partial<Record<Part, typeof changes>>) : {}) };
}

/**
 * A form's own sentence (what is missing, or that nothing changed) and the last save's error are
 * about the fields as they were: both go as soon as a field changes (`onChange` on the form).
 */
export function useFormErrors(save: { error: string | null; clearError: () => void }) {
  const [formError, setFormError] = useState<string | null>(null);
  const onChange = () => {
    if (save.error) save.clearError();
    if (formError) setFormError(null);
  };
  return { formError, setFormError, onChange };
}
