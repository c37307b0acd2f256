// A file input that also takes photos dropped on it. The input stays in the page (visually merged into the
// drop zone) so it keeps its label and works with the keyboard and with automation.
'use client';
import { useId, useState, type ReactNode } from 'react';

export function PhotoDrop({
  label,
  files,
  onFiles,
  testId,
  describedBy,
  hint,
  multiple = true,
}: {
  label: string;
  files: readonly File[];
  onFiles: (files: File[]) => void;
  testId: string;
  describedBy?: string | undefined;
  hint?: ReactNode;
  multiple?: boolean;
}) {
  const inputId = useId();
  const [over, setOver] = useState(false);
  return (
    <div
      className={`drop ${over ? 'over' : ''}`}
      data-testid={testId}
      onDragOver={(e) => {
        e.preventDefault();
        e.dataTransfer.dropEffect = 'copy';
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => {
        e.preventDefault();
        setOver(false);
        const dropped = Array.from(e.dataTransfer.files);
        if (dropped.length > 0) onFiles(multiple ? dropped : dropped.slice(0, 1));
      }}
    >
      <label htmlFor={inputId} className="drop-label">
        {label}
      </label>
      <input
        id={inputId}
        type="file"
        accept="image/jpeg,image/png,image/webp"
        multiple={multiple}
        aria-describedby={describedBy}
        onChange={(e) => onFiles(Array.from(e.target.files ?? []))}
      />
      <p className="drop-hint">{hint ?? 'Drop photos here or choose files (JPEG, PNG or WebP)'}</p>
      {files.length > 0 ? (
        <ul className="drop-files">
          {files.map((f, i) => (
            <li key={`${f.name}-${i}`}>{f.name}</li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
