// /cameras: add a camera (checked before sending), see each one's live state and fps, remove one.
'use client';
import { useState } from 'react';
import type { CameraView } from '@argus/protocol';
import { useApiAction } from '../hooks/use-api-action.ts';
import { useLive, useStatusVersion } from '../hooks/use-live.ts';
import { useResource } from '../hooks/use-resource.ts';
import { api, errorMessage } from '../lib/api-client.ts';
import { formatFps } from '../lib/display-format.ts';
import { latestStatus } from '../lib/live-store.ts';
import { validateCameraForm, type CameraFormErrors, type CameraFormValues } from '../lib/form-validation.ts';
import { ConfirmDialog } from './dialog.tsx';
import { InputField } from './form-field.tsx';
import { FormOutcome, ListStatus } from './notice.tsx';
import { TableHead } from './table-head.tsx';

const CAMERA_POLL_MS = 5_000;
const emptyForm: CameraFormValues = { id: '', name: '', url: '', analysisFps: '5', record: true };

export function CamerasView() {
  const cameras = useResource(api.listCameras, CAMERA_POLL_MS);
  const list = cameras.data ?? [];
  return (
    <div className="page">
      <header className="page-header">
        <h1>Cameras</h1>
        <p className="muted">Cameras added here start streaming within a few seconds; those from the config file are changed there.</p>
      </header>
      <div className="split">
        <CameraForm onAdded={() => void cameras.reload()} />
        <section aria-label="Camera list" className="camera-list">
          <ListStatus what="the cameras" error={cameras.error?.message} loading={cameras.loading} empty={list.length === 0} emptyTitle="No cameras yet">
            Add one with the form: an id such as “lobby” and its RTSP URL.
          </ListStatus>
          {list.length > 0 ? <CameraTable cameras={list} onRemoved={() => void cameras.reload()} /> : null}
        </section>
      </div>
    </div>
  );
}

function CameraForm({ onAdded }: { onAdded: () => void }) {
  const [values, setValues] = useState<CameraFormValues>(emptyForm);
  const [errors, setErrors] = useState<CameraFormErrors>({});
  const [formError, setFormError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<string>();

  const set = <K extends keyof CameraFormValues>(key: K, value: CameraFormValues[K]): void => {
    setValues((v) => ({ ...v, [key]: value }));
    if (key in errors) setErrors((e) => ({ ...e, [key]: undefined }));
  };

  const submit = async (event: React.FormEvent): Promise<void> => {
    event.preventDefault();
    setFormError(undefined);
    setDone(undefined);
    const checked = validateCameraForm(values);
    if ('errors' in checked) {
      setErrors(checked.errors);
      return;
    }
    setErrors({});
    setBusy(true);
    try {
      const camera = await api.addCamera(checked.input);
      setDone(`Camera ${camera.id} added: it goes live within a few seconds.`);
      setValues(emptyForm);
      onAdded();
    } catch (err) {
      setFormError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="card form" onSubmit={(e) => void submit(e)} noValidate aria-label="Add a camera">
      <h2>Add a camera</h2>
      <InputField label="Camera id" error={errors.id} errorId="id-error" type="text" value={values.id} onChange={(e) => set('id', e.target.value)} placeholder="lobby" autoComplete="off" />
      <InputField label="Name" error={errors.name} errorId="name-error" type="text" value={values.name} onChange={(e) => set('name', e.target.value)} placeholder="Lobby entrance" autoComplete="off" />
      <InputField
        label="RTSP URL"
        error={errors.url}
        errorId="url-error"
        type="text"
        value={values.url}
        onChange={(e) => set('url', e.target.value)}
        placeholder="rtsp://10.0.0.5:554/stream"
        autoComplete="off"
        spellCheck={false}
      />
      <InputField
        label="Analysis fps"
        error={errors.analysisFps}
        errorId="fps-error"
        type="number"
        min={0.1}
        max={30}
        step="any"
        value={values.analysisFps}
        onChange={(e) => set('analysisFps', e.target.value)}
      />
      <label className="check">
        <input type="checkbox" checked={values.record} onChange={(e) => set('record', e.target.checked)} />
        <span>Record</span>
      </label>
      <FormOutcome error={formError} done={done} />
      <button type="submit" className="button primary" disabled={busy}>
        {busy ? 'Adding…' : 'Add camera'}
      </button>
    </form>
  );
}

const cameraColumns = ['Camera', 'URL', 'State', 'Analysis', 'Record', <span className="visually-hidden">Actions</span>];

function CameraTable({ cameras, onRemoved }: { cameras: CameraView[]; onRemoved: () => void }) {
  const { store } = useLive();
  useStatusVersion(); // re-render when the socket reports a state change
  return (
    <table className="table">
      <TableHead columns={cameraColumns} />
      <tbody>
        {cameras.map((camera) => {
          const live = store.getStatus(camera.id);
          return <CameraRow key={camera.id} camera={camera} status={latestStatus(camera.status, live)} onRemoved={onRemoved} />;
        })}
      </tbody>
    </table>
  );
}

function CameraRow({ camera, status, onRemoved }: { camera: CameraView; status: CameraView['status']; onRemoved: () => void }) {
  const [confirming, setConfirming] = useState(false);
  const state = status?.state ?? 'offline';
  const remove = useApiAction(async () => {
    await api.removeCamera(camera.id);
    setConfirming(false);
    onRemoved();
  });

  return (
    <tr data-testid="camera-row" data-camera={camera.id} data-state={state}>
      <td>
        <div className="strong">{camera.name ?? camera.id}</div>
        <div className="muted mono">{camera.id}</div>
      </td>
      <td className="mono url-cell" title={camera.url}>
        {camera.url}
      </td>
      <td>
        <span className={`state-pill state-${state}`}>{state === 'offline' ? 'no worker' : state}</span>
        {status?.lastError && state !== 'live' ? <div className="tile-error">{status.lastError}</div> : null}
      </td>
      <td className="mono">
        {status ? formatFps(status.fps) : '–'} <span className="muted">/ {camera.analysisFps} target</span>
      </td>
      <td>{camera.record ? 'Yes' : 'No'}</td>
      <td>
        {camera.source === 'config' ? (
          <span className="muted" title="Defined in the config file: remove it there">
            config file
          </span>
        ) : (
          <button type="button" className="button small danger" onClick={() => setConfirming(true)}>
            Remove
          </button>
        )}
        {confirming ? (
          <ConfirmDialog
            title={`Remove camera ${camera.name ?? camera.id}?`}
            message="Its analysis stops within a few seconds. Past alerts and recordings are kept."
            confirmLabel="Remove camera"
            busy={remove.busy}
            error={remove.error}
            onConfirm={() => void remove.run()}
            onCancel={() => setConfirming(false)}
          />
        ) : null}
      </td>
    </tr>
  );
}
