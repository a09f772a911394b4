import { useState } from 'react';
import { desktopHelper } from '../bridge/client';

const openPath = desktopHelper('openPath');
import { useEngine } from '../hooks';

/**
 * Where the agent's log files are. In the desktop app a button opens the folder in the system's
 * file manager; in a browser (the agent may run on another machine) the path is shown with a
 * copy button, since a web page cannot open a folder.
 */
export function LogsFolder() {
  const logs = useEngine('app.logs', {});
  const [note, setNote] = useState<string | null>(null);

  if (logs.error) return <span className="field-error">Could not ask the agent where its logs are: {logs.error}</span>;
  if (!logs.data) return <span className="muted">…</span>;
  const { dir } = logs.data;

  const open = async () => {
    setNote(null);
    try {
      await openPath!('logs');
    } catch {
      setNote('The folder could not be opened. Copy the path above and open it yourself.');
    }
  };

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(dir);
      setNote('Path copied.');
    } catch {
      // Clipboard access refused (browser setting): select the text so Ctrl+C works.
      const code = document.getElementById('logs-folder-path');
      if (code) window.getSelection()?.selectAllChildren(code);
      setNote('Copying was blocked by the browser. The path is selected: press Ctrl+C (⌘C on a Mac).');
    }
  };

  return (
    <span className="logs-folder">
      <code id="logs-folder-path">{dir}</code>{' '}
      {openPath ? (
        <button type="button" className="button small" onClick={() => void open()}>
          Open logs folder
        </button>
      ) : (
        <button type="button" className="button small" onClick={() => void copy()} aria-describedby="logs-folder-path">
          Copy path
        </button>
      )}
      {!openPath && <small className="muted" style={{ display: 'block', marginTop: '0.3rem' }}>Open this folder on the computer where the agent runs. Log files contain no passwords or secrets.</small>}
      {note && (
        <small role="status" className="muted" style={{ display: 'block', marginTop: '0.3rem' }}>
          {note}
        </small>
      )}
    </span>
  );
}
