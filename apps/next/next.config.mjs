import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** @type {import('next').NextConfig} */
const config = {
  basePath: '/next',
  output: 'standalone',
  // This app has its own lockfile inside a larger repository; trace from here so the
  // standalone server lands at .next/standalone/server.js.
  outputFileTracingRoot: path.dirname(fileURLToPath(import.meta.url)),
  // Images are served unoptimised and nothing type-checks at run time, so sharp's native
  // binaries and the TypeScript compiler that tracing picks up are dead weight in the image.
  outputFileTracingExcludes: { '*': ['node_modules/typescript/**', 'node_modules/@img/**', 'node_modules/sharp/**'] },
  poweredByHeader: false,
  reactStrictMode: true,
  eslint: { ignoreDuringBuilds: true },
  images: { unoptimized: true },
  // forbidden() renders app/forbidden.tsx with HTTP 403 for signed-in non-admins.
  experimental: { authInterrupts: true },
};

export default config;
