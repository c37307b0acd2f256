import { Suspense } from 'react';
import { SearchView } from '../../../components/search-view.tsx';

export const metadata = { title: 'Search · Argus' };

export default function SearchPage() {
  return (
    <Suspense>
      <SearchView />
    </Suspense>
  );
}
