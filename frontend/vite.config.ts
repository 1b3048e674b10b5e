/// <reference types="vitest/config" />
// Build, dev server and unit tests of the customer app.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath, URL } from 'node:url'
import { gzipSync } from 'node:zlib'
import vue from '@vitejs/plugin-vue'
import { defineConfig, type Plugin } from 'vite'

// Where `npm run dev` sends the API and the sockets: the Django server from `make run`.
const backend = process.env.HOTHOUR_BACKEND ?? 'http://127.0.0.1:8000'

/** Writes a .gz beside each text asset, so WhiteNoise and nginx (gzip_static) serve it
 *  compressed without compressing per request. */
function precompress(): Plugin {
  let outDir = 'dist'
  return {
    name: 'hothour-precompress',
    apply: 'build',
    configResolved(config) {
      outDir = config.build.outDir
    },
    closeBundle() {
      const walk = (dir: string): string[] =>
        readdirSync(dir).flatMap((name) => {
          const path = join(dir, name)
          return statSync(path).isDirectory() ? walk(path) : [path]
        })
      for (const file of walk(outDir)) {
        if (/\.(js|css|svg|html|json)$/.test(file)) {
          writeFileSync(`${file}.gz`, gzipSync(readFileSync(file), { level: 9 }))
        }
      }
    },
  }
}

export default defineConfig({
  plugins: [vue(), precompress()],
  resolve: { alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) } },
  define: {
    __VUE_OPTIONS_API__: 'false',
    __VUE_PROD_DEVTOOLS__: 'false',
    __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false',
  },
  // The manifest lets a test add up what the first page loads (hothour/tests/test_customer_app.py).
  build: { target: 'es2022', reportCompressedSize: true, sourcemap: false, manifest: true },
  server: {
    port: 5173,
    proxy: {
      '/api': { target: backend, changeOrigin: true },
      '/ws': { target: backend.replace(/^http/, 'ws'), ws: true, changeOrigin: true },
    },
  },
  test: { environment: 'node', include: ['tests/**/*.test.ts'] },
})
