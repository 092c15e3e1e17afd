import { defineConfig } from 'vitest/config';

// The dev server forwards /api to a running `taishi serve` (TAISHI_URL, default
// 127.0.0.1:8080). When nothing listens there the proxy answers 502 with a
// marker header, so the pages can say "cannot reach the server" instead of
// treating it as a server-side failure.
const target = process.env.TAISHI_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  build: {
    outDir: 'dist',
    // The console is served by the binary: hashed names let it cache forever.
    assetsDir: 'assets',
    chunkSizeWarningLimit: 900,
  },
  server: {
    proxy: {
      '/api': {
        target,
        changeOrigin: false,
        configure(proxy) {
          proxy.on('error', (_err, _req, res) => {
            const r = res as unknown as {
              headersSent?: boolean;
              writeHead?: (s: number, h: Record<string, string>) => void;
              end?: (b: string) => void;
            };
            if (r.writeHead && !r.headersSent) {
              r.writeHead(502, { 'content-type': 'application/json', 'x-taishi-unreachable': '1' });
            }
            r.end?.(JSON.stringify({ error: 'server unreachable' }));
          });
        },
      },
    },
  },
  test: {
    environment: 'happy-dom',
    include: ['src/**/*.test.ts'],
  },
});
