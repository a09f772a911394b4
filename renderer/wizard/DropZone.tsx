import { useRef, useState, type DragEvent } from 'react';
import { errorText, MAX_UPLOAD_BYTES, wizardApi } from './api';
import type { StoredSample } from './types';

const ACCEPT = '.csv,.tsv,.txt,.xlsx,.xlsm,.json,.ndjson,.jsonl';

/**
 * Drop a sample file (or choose one with the button, for keyboard and screen-reader users).
 * The file goes to the engine's sample area; nothing in the source folder changes.
 */
export function DropZone({ disabled, onStored, onError }: { disabled: boolean; onStored: (s: StoredSample) => void; onError: (message: string) => void }) {
  const input = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);
  const [sending, setSending] = useState<string | null>(null);

  const take = async (file: File | undefined) => {
    if (!file || disabled) return;
    setSending(file.name);
    try {
      onStored(await wizardApi.uploadSample(file));
    } catch (err) {
      onError(errorText(err));
    } finally {
      setSending(null);
      if (input.current) input.current.value = '';
    }
  };
  const drag = (e: DragEvent, on: boolean) => {
    e.preventDefault();
    if (!disabled) setOver(on);
  };

  return (
    <div
      className={`wizard-drop${over ? ' over' : ''}${disabled ? ' disabled' : ''}`}
      role="group"
      aria-label="Drop a sample file"
      onDragEnter={(e) => drag(e, true)}
      onDragOver={(e) => drag(e, true)}
      onDragLeave={(e) => drag(e, false)}
      onDrop={(e) => {
        drag(e, false);
        void take(e.dataTransfer.files[0]);
      }}
    >
      <p>
        {sending ? (
          <span role="status">Sending {sending}…</span>
        ) : (
          <>Or drop a sample file here (CSV, Excel or JSON, up to {MAX_UPLOAD_BYTES / 1024 / 1024} MB). It is kept by the agent for a day and only read.</>
        )}
      </p>
      <button type="button" className="button" disabled={disabled || sending !== null} onClick={() => input.current?.click()}>
        Choose a sample file…
      </button>
      <input
        ref={input}
        type="file"
        accept={ACCEPT}
        className="visually-hidden"
        tabIndex={-1}
        aria-label="Sample file to upload"
        disabled={disabled}
        onChange={(e) => void take(e.target.files?.[0])}
      />
    </div>
  );
}
