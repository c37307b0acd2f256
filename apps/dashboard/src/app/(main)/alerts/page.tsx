import { AlertsHistory } from '../../../components/alerts-history.tsx';

export const metadata = { title: 'Alerts · Argus' };

export default function AlertsPage() {
  return <AlertsHistory />;
}
