// /alerts: the alert history with filters and cursor paging (the api's `before`), so thousands of alerts page
// without loading them all; acknowledge per row.
'use client';
import { useCallback, useEffect, useState } from 'react';
import { useApiAction } from '../hooks/use-api-action.ts';
import { useResource } from '../hooks/use-resource.ts';
import { filtersError, noFilters, pageQuery, PAGE_SIZE, type AlertFilters } from '../lib/alert-page-query.ts';
import { api, enrolledFaceUrl, errorMessage, type StoredAlert } from '../lib/api-client.ts';
import { formatScore, formatTime } from '../lib/display-format.ts';
import { FaceImage } from './face-image.tsx';
import { FieldError, InputField } from './form-field.tsx';
import { ListStatus } from './notice.tsx';
import { TableHead } from './table-head.tsx';

const alertColumns = ['Seen', 'Enrolled', 'Person', 'Score', 'Camera', 'Time', 'Status'];

export function AlertsHistory() {
  const cameras = useResource(api.listCameras);
  const persons = useResource(api.listWatchlist);
  const [draft, setDraft] = useState<AlertFilters>(noFilters);
  const [filters, setFilters] = useState<AlertFilters>(noFilters);
  const [error, setError] = useState<string>();
  const [filterError, setFilterError] = useState<string>();
  /** Cursors of the pages above the current one; the current page's cursor is `cursor`. */
  const [stack, setStack] = useState<(string | undefined)[]>([]);
  const [cursor, setCursor] = useState<string | undefined>(undefined);
  const [page, setPage] = useState<StoredAlert[]>();
  const [hasOlder, setHasOlder] = useState(false);
  const [loading, setLoading] = useState(true);

  const load = useCallback(async (f: AlertFilters, c: string | undefined) => {
    setLoading(true);
    try {
      // One extra row tells whether an older page exists.
      const rows = await api.listAlerts(pageQuery(f, c, PAGE_SIZE + 1));
      setPage(rows.slice(0, PAGE_SIZE));
      setHasOlder(rows.length > PAGE_SIZE);
      setError(undefined);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setLoading(false);
    }
  }, []);

  useEffect(() => {
    void load(filters, cursor);
  }, [load, filters, cursor]);

  const apply = (event: React.FormEvent): void => {
    event.preventDefault();
    const problem = filtersError(draft);
    setFilterError(problem);
    if (problem) return;
    setStack([]);
    setCursor(undefined);
    setFilters({ ...draft });
  };

  const older = (): void => {
    const last = page?.[page.length - 1];
    if (!last) return;
    setStack([...stack, cursor]);
    setCursor(last.id);
  };
  const newer = (): void => {
    if (stack.length === 0) return;
    setCursor(stack[stack.length - 1]);
    setStack(stack.slice(0, -1));
  };

  const acked = (id: string, ack: StoredAlert['ack']): void => {
    setPage((rows) => rows?.map((r) => (r.id === id ? { ...r, ack } : r)));
  };

  const cameraNames = new Map((cameras.data ?? []).map((c) => [c.id, c.name ?? c.id]));

  return (
    <div className="page">
      <header className="page-header">
        <h1>Alerts</h1>
        <p className="muted">Every alert kept by the api, newest first. Filter, page, and acknowledge.</p>
      </header>
      <form className="filters" onSubmit={apply}>
        <div className="field">
          <label htmlFor="filter-camera">Camera</label>
          <select id="filter-camera" value={draft.camera} onChange={(e) => setDraft({ ...draft, camera: e.target.value })}>
            <option value="">All cameras</option>
            {(cameras.data ?? []).map((c) => (
              <option key={c.id} value={c.id}>
                {c.name ? `${c.name} (${c.id})` : c.id}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="filter-person">Person</label>
          <select id="filter-person" value={draft.person} onChange={(e) => setDraft({ ...draft, person: e.target.value })}>
            <option value="">Everyone</option>
            {(persons.data ?? []).map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        </div>
        <InputField label="From" type="datetime-local" value={draft.from} onChange={(e) => setDraft({ ...draft, from: e.target.value })} />
        <InputField label="To" type="datetime-local" value={draft.to} onChange={(e) => setDraft({ ...draft, to: e.target.value })} />
        <button type="submit" className="button primary">
          Apply
        </button>
        <FieldError message={filterError} alert />
      </form>

      <ListStatus what="alerts" error={error} loading={loading} empty={page?.length === 0} emptyTitle="No alerts match these filters">
        Widen the time range or choose “All cameras” / “Everyone”, then Apply.
      </ListStatus>

      {page && page.length > 0 ? (
        <table className="table" aria-busy={loading}>
          <TableHead columns={alertColumns} />
          <tbody>
            {page.map((alert) => (
              <AlertRow key={alert.id} alert={alert} cameraName={cameraNames.get(alert.camera)} onAcked={acked} />
            ))}
          </tbody>
        </table>
      ) : null}

      <div className="pager">
        <button type="button" className="button" onClick={newer} disabled={stack.length === 0 || loading}>
          Newer
        </button>
        <span className="muted">{stack.length > 0 ? `Page ${stack.length + 1}` : 'Newest'}</span>
        <button type="button" className="button" onClick={older} disabled={!hasOlder || loading}>
          Older
        </button>
      </div>
    </div>
  );
}

function AlertRow({
  alert,
  cameraName,
  onAcked,
}: {
  alert: StoredAlert;
  cameraName: string | undefined;
  onAcked: (id: string, ack: StoredAlert['ack']) => void;
}) {
  const isAcked = alert.ack !== undefined;
  const acknowledge = useApiAction(async () => {
    const result = await api.ackAlert(alert.id);
    onAcked(alert.id, result.ack);
  });

  return (
    <tr data-testid="alert-row" data-alert-id={alert.id} data-acked={String(isAcked)} className={isAcked ? 'acked' : ''}>
      <td>
        <FaceImage src={alert.thumbUrl} role="crop" alt={`Face seen on ${alert.camera}`} />
      </td>
      <td>
        <FaceImage src={alert.faceId ? enrolledFaceUrl(alert.faceId) : undefined} role="enrolled" alt={`Enrolled photo of ${alert.personName}`} />
      </td>
      <td className="strong">{alert.personName}</td>
      <td className="mono">{formatScore(alert.score)}</td>
      <td>{cameraName ?? alert.camera}</td>
      <td className="mono">{formatTime(alert.ts)}</td>
      <td>
        <button type="button" className="button small" disabled={isAcked || acknowledge.busy} onClick={() => void acknowledge.run()} title={isAcked ? `by ${alert.ack?.by}` : undefined}>
          {isAcked ? 'Acknowledged' : 'Acknowledge'}
        </button>
        <FieldError message={acknowledge.error} alert inline />
      </td>
    </tr>
  );
}
