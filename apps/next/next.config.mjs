import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** @type {import('next').NextConfig} */
const config = {
  basePath: '/next',
  output: 'standalone',
  // This app has its own lockfile inside a larger repository; trace from here so the
  // standalone server lands at .next/standalone/server.js.
  outputFileTracingRoot: path.dirname(fileURLToPath(import.meta.url)),
  poweredByHeader: false,
  reactStrictMode: true,
  eslint: { ignoreDuringBuilds: true },
  images: { unoptimized: true },
  // forbidden() renders app/forbidden.tsx with HTTP 403 for signed-in non-admins.
  experimental: { authInterrupts: true },
};

export default config;
