import { useRef, useState } from 'react';
import { ApiError } from '../../shared/rpc';
import { errorText, wizardApi } from './api';

/** A mapping profile as the JSON file `esg-sync mapping export` writes (profiles hold no secrets). */
export async function downloadProfile(mappingId: string): Promise<void> {
  const { info, profile } = await wizardApi.get(mappingId);
  const blob = new Blob([`${JSON.stringify(profile, null, 2)}\n`], { type: 'application/json' });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = `${info.id}.mapping.json`;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * Loads a profile file, as `esg-sync mapping import` does: the same mapping coming back (its id
 * and name) becomes its next version; anything else is a new mapping. The engine checks it.
 */
export function ImportProfile({ onDone, onError }: { onDone: (message: string) => void; onError: (message: string | null) => void }) {
  const input = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState(false);
  /** A file refused because it does not fit the platform: it can still be imported, to correct in the wizard. */
  const [refused, setRefused] = useState<{ profile: unknown; id: string | null; fileName: string } | null>(null);

  const save = async (profile: unknown, id: string | null, fileName: string, force: boolean) => {
    const saved = await wizardApi.save({ profile, id, force });
    const warned = saved.warnings?.length ? ` Correct it in the wizard: ${saved.warnings.join(' ')}` : '';
    onDone(`Imported “${saved.name}” (version ${saved.version}) from ${fileName}.${warned}`);
  };

  const importAnyway = async () => {
    if (!refused) return;
    setBusy(true);
    try {
      await save(refused.profile, refused.id, refused.fileName, true);
      setRefused(null);
      onError(null);
    } catch (err) {
      onError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  const take = async (file: File | undefined) => {
    if (!file) return;
    setBusy(true);
    onError(null);
    setRefused(null);
    try {
      let profile: unknown;
      try {
        profile = JSON.parse(await file.text());
      } catch (e) {
        throw new Error(`"${file.name}" is not a mapping file: it is not valid JSON (${(e as Error).message}).`, { cause: e });
      }
      const p = profile as { id?: unknown; name?: unknown };
      const existing = (await wizardApi.list()).find((m) => m.id === p.id && m.name === p.name);
      try {
        await save(profile, existing?.id ?? null, file.name, false);
      } catch (err) {
        if (err instanceof ApiError && err.code === 'conflict') setRefused({ profile, id: existing?.id ?? null, fileName: file.name });
        throw err;
      }
    } catch (err) {
      onError(errorText(err));
    } finally {
      setBusy(false);
      if (input.current) input.current.value = '';
    }
  };

  return (
    <>
      <button type="button" className="button" disabled={busy} onClick={() => input.current?.click()}>
        {busy ? 'Importing…' : 'Import a mapping file…'}
      </button>
      {refused && (
        <button type="button" className="button" disabled={busy} onClick={() => void importAnyway()}>
          Import “{refused.fileName}” anyway
        </button>
      )}
      <input ref={input} type="file" accept=".json,application/json" className="visually-hidden" tabIndex={-1} aria-label="Mapping file to import" onChange={(e) => void take(e.target.files?.[0])} />
    </>
  );
}
