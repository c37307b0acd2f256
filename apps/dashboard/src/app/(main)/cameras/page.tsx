import { CamerasView } from '../../../components/cameras-view.tsx';

export const metadata = { title: 'Cameras · Argus' };

export default function CamerasPage() {
  return <CamerasView />;
}
