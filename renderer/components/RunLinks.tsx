import { Fragment } from 'react';
import { Link } from 'react-router-dom';

/** Engine messages name other runs as "run #12"; in the UI each such mention opens that run. */
export function RunLinks({ text }: { text: string }) {
  const parts = text.split(/(run #\d+)/g);
  if (parts.length === 1) return <>{text}</>;
  return (
    <>
      {parts.map((part, i) => {
        const id = /^run #(\d+)$/.exec(part)?.[1];
        return id ? (
          <Link key={i} to={`/history/${id}`}>
            {part}
          </Link>
        ) : (
          <Fragment key={i}>{part}</Fragment>
        );
      })}
    </>
  );
}
