import { LiveWall } from '../../components/live-wall.tsx';

export const metadata = { title: 'Live · Argus' };

export default function LivePage() {
  return <LiveWall />;
}
