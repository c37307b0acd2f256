import { Suspense } from 'react';
import { LoginForm } from '../../components/login-form.tsx';

export const metadata = { title: 'Sign in · Argus' };

export default function LoginPage() {
  return (
    <main className="login-page">
      <Suspense>
        <LoginForm />
      </Suspense>
    </main>
  );
}
