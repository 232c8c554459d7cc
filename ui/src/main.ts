import "./lib/locale"; // must run before uPlot is evaluated
import "./app.css";
import "uplot/dist/uPlot.min.css";
import { mount } from "svelte";
import App from "./App.svelte";

async function start() {
  // Browser preview only (`vite build --mode mock`): a fake backend. The
  // condition is a build-time constant, so production bundles drop it.
  if (import.meta.env.MODE === "mock") await import("./lib/mock");
  mount(App, { target: document.getElementById("app")! });
}

start();
