// Vite configuration for the Tongban web front ends.
//   citizen service portal (web/portal) → web/dist/portal, served by `tongban serve` at /
//   work portal 工作门户    (web/work)   → web/dist/work,   served at /work/ (SPA fallback to its index.html)
// Build:  npm run build            → both apps (vite build, then vite build --mode work)
// Dev:    npm run dev / dev:work   → http://127.0.0.1:5173 (portal) / :5174/work/ (work), /api proxied
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import { fileURLToPath } from 'node:url'

const here = (p) => fileURLToPath(new URL(p, import.meta.url))
const apiTarget = process.env.TONGBAN_API || 'http://127.0.0.1:8080'
const proxy = {
  '/api': { target: apiTarget, changeOrigin: false },
  '/readyz': { target: apiTarget },
  '/healthz': { target: apiTarget },
}

// The citizen portal: unchanged from its first build.
const portal = {
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
  server: { host: '127.0.0.1', port: 5173, proxy },
  preview: { host: '127.0.0.1', port: 4173 },
}

// The work portal (Vue 3 + Element Plus), under /work/.
const work = {
  root: here('./work'),
  base: '/work/',
  publicDir: here('./work/public'),
  plugins: [vue()],
  build: {
    outDir: here('./dist/work'),
    emptyOutDir: true,
    assetsDir: 'assets',
    assetsInlineLimit: 0,
    sourcemap: false,
    target: 'es2020',
    chunkSizeWarningLimit: 1500,
    rollupOptions: {
      output: {
        manualChunks: (id) => (id.includes('node_modules/element-plus') ? 'element-plus' : undefined),
      },
    },
  },
  server: { host: '127.0.0.1', port: 5174, proxy },
  preview: { host: '127.0.0.1', port: 4174 },
}

export default defineConfig(({ mode }) => (mode === 'work' ? work : portal))
