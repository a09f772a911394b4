import { Badge } from '../components/ui';

/** Sentences the agent wants a person to read before going on (file warnings, suggestion notes). */
export function NoteList({ label, notes }: { label: string; notes: readonly string[] }) {
  if (!notes.length) return null;
  return (
    <ul className="wizard-warnings" aria-label={label}>
      {notes.map((n) => (
        <li key={n}>
          <Badge tone="warn">Note</Badge> {n}
        </li>
      ))}
    </ul>
  );
}
