import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// Built into dist/ui, which the Fastify server serves (with an SPA fallback for client routes).
const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../dist/ui', import.meta.url)),
    emptyOutDir: true,
    sourcemap: true,
  },
  server: {
    // `npx vite --config ui/vite.config.ts` for UI work against a running `ballast serve`.
    proxy: { '/api': 'http://127.0.0.1:8080' },
  },
});
