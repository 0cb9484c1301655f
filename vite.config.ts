// Builds the React renderer (renderer/) into dist/renderer, served by `cutover ui` and loaded by Electron.
// Component tests (renderer/**/*.test.tsx) run under Vitest with jsdom.
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [react()],
  build: { outDir: '../dist/renderer', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 1024 },
  test: {
    root: '.',
    include: ['renderer/**/*.test.tsx', 'renderer/**/*.test.ts'],
    environment: 'jsdom',
    // A component test waits for what it asserts; on a loaded 2-core machine a render plus an axe scan has taken
    // over Vitest's default 5 s, which failed tests that were right. The bound only ends a hung test.
    testTimeout: 30_000,
  },
});
