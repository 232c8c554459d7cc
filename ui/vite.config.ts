/// <reference types="vitest/config" />
// Vite builds the app's frontend into ui/dist (tauri.conf.json's
// frontendDist is ../ui/dist). `--mode mock` builds a browser preview with a
// fake Tauri backend into dist-mock; the production build never contains it.
import { defineConfig } from "vite";
import { svelte } from "@sveltejs/vite-plugin-svelte";

export default defineConfig(({ mode }) => ({
  plugins: [svelte()],
  base: "./",
  clearScreen: false,
  server: { port: 5173, strictPort: true },
  build: {
    outDir: mode === "mock" ? "dist-mock" : "dist",
    emptyOutDir: true,
    target: "es2021",
    chunkSizeWarningLimit: 800,
  },
  test: {
    include: ["src/**/*.test.ts"],
    environment: "node",
  },
}));
