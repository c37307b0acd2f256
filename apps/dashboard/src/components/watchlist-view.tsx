// /watchlist: enrol people from photos (per-photo accepted / rejected with the api's reason), add photos, remove.
'use client';
import { useRef, useState } from 'react';
import type { PersonView } from '@argus/protocol';
import { useApiAction } from '../hooks/use-api-action.ts';
import { useResource } from '../hooks/use-resource.ts';
import { api, ApiError, errorMessage, rejectionsOf } from '../lib/api-client.ts';
import { nameError, photosError } from '../lib/form-validation.ts';
import { photoOutcomes, type PhotoOutcome } from '../lib/photo-outcome.ts';
import { ConfirmDialog } from './dialog.tsx';
import { FieldError, InputField } from './form-field.tsx';
import { FormOutcome, ListStatus } from './notice.tsx';
import { PhotoDrop } from './photo-drop.tsx';

function formWith(files: readonly File[], name?: string): FormData {
  const form = new FormData();
  if (name !== undefined) form.append('name', name.trim());
  for (const file of files) form.append('image', file, file.name);
  return form;
}

export function WatchlistView() {
  const people = useResource(api.listWatchlist);
  const list = people.data ?? [];
  return (
    <div className="page">
      <header className="page-header">
        <h1>Watchlist</h1>
        <p className="muted">People to alert on. Several clear photos per person make recognition more reliable.</p>
      </header>
      <div className="split">
        <EnrollForm onEnrolled={() => void people.reload()} />
        <section className="people" aria-label="People on the watchlist">
          <ListStatus
            what="the watchlist"
            error={people.error?.message}
            loading={people.loading}
            empty={list.length === 0}
            emptyTitle="No people on the watchlist yet"
          >
            Enter a name and add one or more photos of the person&apos;s face, then press Enroll.
          </ListStatus>
          <div className="person-grid">
            {list.map((person) => (
              <PersonCard key={person.id} person={person} onChanged={() => void people.reload()} />
            ))}
          </div>
        </section>
      </div>
    </div>
  );
}

function PhotoResults({ results }: { results: readonly PhotoOutcome[] }) {
  if (results.length === 0) return null;
  return (
    <ul className="photo-results" aria-label="Photo results">
      {results.map((r, i) => (
        <li key={`${r.file}-${i}`} className={`photo-result ${r.outcome}`} data-testid="photo-result" data-file={r.file} data-outcome={r.outcome}>
          <span className="photo-file">{r.file}</span>
          <span className="photo-outcome">{r.outcome === 'accepted' ? 'Accepted' : `Rejected: ${r.reason ?? ''}`}</span>
        </li>
      ))}
    </ul>
  );
}

function EnrollForm({ onEnrolled }: { onEnrolled: () => void }) {
  const [name, setName] = useState('');
  const [files, setFiles] = useState<File[]>([]);
  const [errors, setErrors] = useState<{ name?: string | undefined; photos?: string | undefined }>({});
  const [formError, setFormError] = useState<string>();
  const [results, setResults] = useState<PhotoOutcome[]>([]);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<string>();
  const formRef = useRef<HTMLFormElement>(null);

  const choose = (chosen: File[]): void => {
    setFiles(chosen);
    setResults([]);
    setDone(undefined);
    setErrors((e) => ({ ...e, photos: chosen.length > 0 ? photosError(chosen) : undefined }));
  };

  const submit = async (event: React.FormEvent): Promise<void> => {
    event.preventDefault();
    const next = { name: nameError(name), photos: photosError(files) };
    setErrors(next);
    setFormError(undefined);
    setDone(undefined);
    if (next.name || next.photos) return;
    setBusy(true);
    try {
      const response = await api.enroll(formWith(files, name));
      setResults(photoOutcomes(files, response.rejected));
      setDone(`${response.name} enrolled with ${response.faces.length} photo${response.faces.length === 1 ? '' : 's'}.`);
      setName('');
      setFiles([]);
      formRef.current?.reset();
      onEnrolled();
    } catch (err) {
      if (err instanceof ApiError && err.code === 'NO_USABLE_PHOTO') {
        setResults(photoOutcomes(files, rejectionsOf(err)));
        setFormError(`No photo was usable, so ${name.trim()} was not enrolled: see why below and try other photos.`);
      } else {
        setFormError(errorMessage(err));
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <form ref={formRef} className="card form" onSubmit={(e) => void submit(e)} noValidate aria-label="Enroll a person">
      <h2>Enroll a person</h2>
      <InputField
        label="Name"
        error={errors.name}
        errorId="name-error"
        type="text"
        value={name}
        maxLength={200}
        onChange={(e) => {
          setName(e.target.value);
          if (errors.name) setErrors({ ...errors, name: undefined });
        }}
        autoComplete="off"
      />
      <PhotoDrop label="Photos" files={files} onFiles={choose} testId="photo-drop" describedBy={errors.photos ? 'photos-error' : undefined} />
      <FieldError message={errors.photos} id="photos-error" testId="photos-error" />
      <FormOutcome error={formError} done={done} />
      <PhotoResults results={results} />
      <button type="submit" className="button primary" disabled={busy}>
        {busy ? 'Enrolling…' : 'Enroll'}
      </button>
    </form>
  );
}

function PersonCard({ person, onChanged }: { person: PersonView; onChanged: () => void }) {
  const inputRef = useRef<HTMLInputElement>(null);
  const [results, setResults] = useState<PhotoOutcome[]>([]);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState(false);

  const addPhotos = async (files: File[]): Promise<void> => {
    setResults([]);
    const problem = photosError(files);
    if (problem) {
      setError(problem);
      return;
    }
    setError(undefined);
    setBusy(true);
    try {
      const response = await api.addFaces(person.id, formWith(files));
      setResults(photoOutcomes(files, response.rejected));
      onChanged();
    } catch (err) {
      if (err instanceof ApiError && err.code === 'NO_USABLE_PHOTO') setResults(photoOutcomes(files, rejectionsOf(err)));
      else setError(errorMessage(err));
    } finally {
      setBusy(false);
      if (inputRef.current) inputRef.current.value = '';
    }
  };

  const remove = useApiAction(async () => {
    await api.removePerson(person.id);
    setConfirming(false);
    onChanged();
  });

  return (
    <article className="card person-card" data-testid="person-card" data-person-id={person.id} aria-label={person.name}>
      <header className="person-head">
        <h3>{person.name}</h3>
        <span className="muted">
          {person.faceCount} photo{person.faceCount === 1 ? '' : 's'}
        </span>
      </header>
      <div className="person-faces">
        {person.faces.map((face) =>
          face.imageUrl ? (
            <img key={face.id} src={face.imageUrl} alt={`Enrolled photo of ${person.name}`} width={72} height={72} loading="lazy" decoding="async" className="face-img" />
          ) : null,
        )}
      </div>
      <div className="person-actions">
        <button type="button" className="button small" onClick={() => inputRef.current?.click()} disabled={busy || remove.busy}>
          Add photos
        </button>
        <input
          ref={inputRef}
          // display:none keeps it out of the accessibility tree (the button above is the control); still labelled for automation
          hidden
          type="file"
          accept="image/jpeg,image/png,image/webp"
          multiple
          aria-label={`Add photos for ${person.name}`}
          onChange={(e) => void addPhotos(Array.from(e.target.files ?? []))}
        />
        <button type="button" className="button small danger" onClick={() => setConfirming(true)} disabled={busy || remove.busy}>
          Remove
        </button>
      </div>
      <FieldError message={error} alert />
      <PhotoResults results={results} />
      {confirming ? (
        <ConfirmDialog
          title={`Remove ${person.name}?`}
          message={`${person.name} and their ${person.faceCount} enrolled photo${person.faceCount === 1 ? '' : 's'} will be deleted. Past alerts stay in the history.`}
          confirmLabel="Remove person"
          busy={busy || remove.busy}
          error={remove.error}
          onConfirm={() => void remove.run()}
          onCancel={() => setConfirming(false)}
        />
      ) : null}
    </article>
  );
}
