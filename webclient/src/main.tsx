import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { Connectivity } from "./pwa/connectivity";
import { registerServiceWorker } from "./pwa/register";
import { App } from "./ui/App";
import { DesktopCapturePicker } from "./ui/ScreenPicker";
import "./styles.css";

const connectivity = new Connectivity(() => navigator.onLine, window);
const updates = registerServiceWorker(connectivity);

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <App connectivity={connectivity} updates={updates} />
    {/* Opens only in the desktop app, when a screen share asks it to choose. */}
    <DesktopCapturePicker />
  </StrictMode>,
);
