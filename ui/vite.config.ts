import { defineConfig } from 'vitest/config';

// Built into ui/dist, which the Tauri shell embeds (tauri.conf.json: frontendDist).
export default defineConfig({
  clearScreen: false,
  server: { port: 5173, strictPort: true },
  build: { target: 'safari15', outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1500 },
  test: { environment: 'node', include: ['test/**/*.test.ts'] },
});
