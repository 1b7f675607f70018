// Vite configuration for the Tongban citizen service portal (web/portal).
// Build:  npm run build   → web/dist/portal (served by `tongban serve` at /)
// Dev:    npm run dev     → http://127.0.0.1:5173, /api proxied to a running server
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import { fileURLToPath } from 'node:url'

const here = (p) => fileURLToPath(new URL(p, import.meta.url))
const apiTarget = process.env.TONGBAN_API || 'http://127.0.0.1:8080'

export default defineConfig({
  root: here('./portal'),
  base: '/',
  publicDir: here('./portal/public'),
  plugins: [vue()],
  build: {
    outDir: here('./dist/portal'),
    emptyOutDir: true,
    assetsDir: 'assets',
    // The server's CSP forbids inline scripts and eval; keep every asset a file.
    assetsInlineLimit: 0,
    sourcemap: false,
    target: 'es2020',
  },
  server: {
    host: '127.0.0.1',
    port: 5173,
    proxy: {
      '/api': { target: apiTarget, changeOrigin: false },
      '/readyz': { target: apiTarget },
      '/healthz': { target: apiTarget },
    },
  },
  preview: { host: '127.0.0.1', port: 4173 },
})
