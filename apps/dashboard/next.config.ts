import type { NextConfig } from 'next';

const config: NextConfig = {
  // Workspace packages are TypeScript source (with `.ts` import specifiers, which Turbopack resolves as-is).
  transpilePackages: ['@argus/protocol'],
  reactStrictMode: true,
  poweredByHeader: false,
};

export default config;
