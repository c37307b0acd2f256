import { WatchlistView } from '../../../components/watchlist-view.tsx';

export const metadata = { title: 'Watchlist · Argus' };

export default function WatchlistPage() {
  return <WatchlistView />;
}
