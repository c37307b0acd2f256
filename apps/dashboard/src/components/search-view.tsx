// /search: where was this face seen? Search the recorded sightings by a photo or by a watchlist person, play each
// sighting's clip inline and export it. `/search?personId=<id>` preselects the person and runs the search.
'use client';
import { useSearchParams } from 'next/navigation';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ExportView, SearchResponse, SearchResult } from '@argus/protocol';
import { useApiAction } from '../hooks/use-api-action.ts';
import { useResource } from '../hooks/use-resource.ts';
import { api, errorMessage } from '../lib/api-client.ts';
import { formatScore, formatTime } from '../lib/display-format.ts';
import { photosError } from '../lib/form-validation.ts';
import { clipSourceAt, clipWindow, personSearchBody, photoSearchFields, searchFilters, type SearchFormErrors, type SearchFormValues } from '../lib/search-query.ts';
import { FieldError, InputField } from './form-field.tsx';
import { EmptyState, Notice } from './notice.tsx';
import { PhotoDrop } from './photo-drop.tsx';

const emptyValues: SearchFormValues = { personId: '', from: '', to: '', cameras: [], minScore: '' };

export function SearchView() {
  const params = useSearchParams();
  const presetPerson = params.get('personId') ?? '';
  const cameras = useResource(api.listCameras);
  const persons = useResource(api.listWatchlist);
  const [values, setValues] = useState<SearchFormValues>({ ...emptyValues, personId: presetPerson });
  const [photo, setPhoto] = useState<File[]>([]);
  const [errors, setErrors] = useState<SearchFormErrors & { photo?: string | undefined }>({});
  const [apiError, setApiError] = useState<string>();
  const [response, setResponse] = useState<SearchResponse>();
  const [busy, setBusy] = useState(false);
  const autoRan = useRef(false);

  const run = useCallback(async (form: SearchFormValues, photoFiles: readonly File[]): Promise<void> => {
    setApiError(undefined);
    const photoProblem = photoFiles.length > 0 ? photosError(photoFiles) : undefined;
    const checked = searchFilters(form, photoFiles.length > 0);
    if ('errors' in checked || photoProblem) {
      setErrors({ ...('errors' in checked ? checked.errors : {}), photo: photoProblem });
      return;
    }
    setErrors({});
    setBusy(true);
    try {
      if (photoFiles[0]) {
        const data = new FormData();
        data.append('image', photoFiles[0], photoFiles[0].name);
        for (const [k, v] of photoSearchFields(checked.filters)) data.append(k, v);
        setResponse(await api.searchByPhoto(data));
      } else {
        setResponse(await api.searchByPerson(personSearchBody(form.personId, checked.filters)));
      }
    } catch (err) {
      setResponse(undefined);
      setApiError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }, []);

  useEffect(() => {
    if (presetPerson === '' || autoRan.current) return;
    autoRan.current = true;
    void run({ ...emptyValues, personId: presetPerson }, []);
  }, [presetPerson, run]);

  const choosePhoto = (files: File[]): void => {
    const first = files.slice(0, 1);
    setPhoto(first);
    if (first.length > 0) setValues((v) => ({ ...v, personId: '' }));
    setErrors((e) => ({ ...e, photo: first.length > 0 ? photosError(first) : undefined, target: undefined }));
  };

  const toggleCamera = (id: string, on: boolean): void => {
    setValues((v) => ({ ...v, cameras: on ? [...v.cameras, id] : v.cameras.filter((c) => c !== id) }));
  };

  const names = new Map((cameras.data ?? []).map((c) => [c.id, c.name ?? c.id]));
  const presetName = persons.data?.find((p) => p.id === values.personId)?.name;

  return (
    <div className="page">
      <header className="page-header">
        <h1>Search</h1>
        <p className="muted">Find where a face was seen: upload a photo, or pick someone from the watchlist.</p>
      </header>
      <form
        className="card search-form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void run(values, photo);
        }}
      >
        <div className="mode-row">
          <PhotoDrop label="Photo" files={photo} onFiles={choosePhoto} testId="search-drop" multiple={false} hint="Drop a photo of the face here, or choose one" />
          <span className="muted">or</span>
          <div className="field">
            <label htmlFor="search-person">Person</label>
            <select
              id="search-person"
              value={values.personId}
              onChange={(e) => {
                setValues({ ...values, personId: e.target.value });
                if (e.target.value !== '') setPhoto([]);
                setErrors({ ...errors, target: undefined });
              }}
            >
              <option value="">Choose a person…</option>
              {(persons.data ?? []).map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
              {values.personId !== '' && !presetName && persons.data ? <option value={values.personId}>{values.personId}</option> : null}
            </select>
          </div>
        </div>
        <FieldError message={errors.photo} testId="photo-error" />
        <FieldError message={errors.target} alert />
        <div className="mode-row">
          <InputField label="From" type="datetime-local" value={values.from} onChange={(e) => setValues({ ...values, from: e.target.value })} />
          <InputField label="To" type="datetime-local" value={values.to} onChange={(e) => setValues({ ...values, to: e.target.value })} />
          <InputField
            label="Min score"
            type="number"
            min={-1}
            max={1}
            step={0.01}
            placeholder="e.g. 0.3"
            value={values.minScore}
            onChange={(e) => setValues({ ...values, minScore: e.target.value })}
          />
        </div>
        <FieldError message={errors.range} />
        <FieldError message={errors.minScore} />
        {(cameras.data ?? []).length > 0 ? (
          <fieldset className="camera-checks">
            <legend>Cameras (none ticked: all)</legend>
            {(cameras.data ?? []).map((c) => (
              <label key={c.id} className="check">
                <input type="checkbox" checked={values.cameras.includes(c.id)} onChange={(e) => toggleCamera(c.id, e.target.checked)} />
                <span>{c.name && c.name !== c.id ? `${c.name} (${c.id})` : c.id}</span>
              </label>
            ))}
          </fieldset>
        ) : null}
        <div>
          <button type="submit" className="button primary" disabled={busy}>
            {busy ? 'Searching…' : 'Search'}
          </button>
        </div>
      </form>

      {apiError ? <Notice tone="error">{apiError}</Notice> : null}

      {response ? (
        <section aria-label="Search results">
          <p className="muted">
            {response.results.length} sighting{response.results.length === 1 ? '' : 's'} · searched {response.searched.sightings} with{' '}
            {response.searched.faces} face{response.searched.faces === 1 ? '' : 's'} in {Math.round(response.searched.ms)} ms
          </p>
          {response.results.length === 0 ? (
            <EmptyState title="No sightings found">Widen the time range, tick more cameras or lower the min score.</EmptyState>
          ) : (
            <div className="results">
              {response.results.map((r) => (
                <ResultCard key={r.sightingId} result={r} cameraName={names.get(r.camera)} />
              ))}
            </div>
          )}
        </section>
      ) : null}
    </div>
  );
}

function ResultCard({ result, cameraName }: { result: SearchResult; cameraName: string | undefined }) {
  const [playing, setPlaying] = useState(false);
  const [source, setSource] = useState(result.clipUrl);
  const togglePlay = async (): Promise<void> => {
    if (playing) return setPlaying(false);
    setPlayError(undefined);
    // Ask where the cut clip begins, to start at the sighting instead of the pre-roll; play from 0 if that fails.
    const head = await fetch(result.clipUrl, { method: 'HEAD', credentials: 'same-origin' }).catch(() => null);
    setSource(clipSourceAt(result.clipUrl, result.start, head?.ok ? head.headers.get('x-clip-from') : null));
    setPlaying(true);
  };
  const [exported, setExported] = useState<ExportView>();
  const [playError, setPlayError] = useState<string>();
  const exportClip = useApiAction(async () => {
    setPlayError(undefined);
    const window = clipWindow(result.clipUrl, result.start, result.end);
    setExported(await api.exportClip({ camera: result.camera, ...window, name: `${result.person?.name ?? 'unknown'} on ${result.camera}` }));
  });

  return (
    <article
      className="card result"
      data-testid="search-result"
      data-sighting-id={result.sightingId}
      data-camera={result.camera}
      data-start={result.start}
      data-end={result.end}
      data-score={result.score}
    >
      {playing ? (
        <video controls autoPlay preload="metadata" src={source} onError={() => setPlayError('This clip could not be played: its recording may have aged out')} />
      ) : result.thumbUrl ? (
        <img className="result-thumb" src={result.thumbUrl} alt={`Face seen on ${result.camera}`} loading="lazy" decoding="async" />
      ) : (
        <div className="result-thumb face-img">no image</div>
      )}
      <div>
        <div className="alert-name">{result.person?.name ?? 'unknown'}</div>
        <div className="alert-meta">
          <span className="alert-score">{formatScore(result.score)}</span>
          <span className="alert-camera">{cameraName ?? result.camera}</span>
        </div>
        <time className="alert-time" dateTime={new Date(result.start).toISOString()}>
          {formatTime(result.start)} – {formatTime(result.end)}
        </time>
      </div>
      <div className="result-actions">
        <button type="button" className="button small" onClick={() => void togglePlay()}>
          {playing ? 'Hide video' : 'Play'}
        </button>
        <button type="button" className="button small" onClick={() => void exportClip.run()} disabled={exportClip.busy}>
          {exportClip.busy ? 'Exporting…' : 'Export clip'}
        </button>
        {exported ? (
          <a className="button small ghost" href={exported.url} download>
            Download ({(exported.bytes / 1048576).toFixed(1)} MB)
          </a>
        ) : null}
      </div>
      <FieldError message={playError ?? exportClip.error} alert />
    </article>
  );
}
