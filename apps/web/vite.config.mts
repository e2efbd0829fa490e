import { defineConfig } from 'vite';

// In development the API and websocket live on the backend; in the stack nginx serves both
// under the same origin, so the client only ever uses relative URLs.
const backend = process.env.BACKEND_URL ?? 'http://localhost:4000';

export default defineConfig({
  server: {
    port: 5173,
    proxy: {
      '/api': backend,
      '/ws': { target: backend, ws: true },
    },
  },
  build: {
    outDir: 'dist',
    sourcemap: false,
  },
});
